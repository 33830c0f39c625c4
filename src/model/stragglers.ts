import { IntMap } from "./int-map.js";

/**
 * The message table's **stragglers**: messages below its base that someone still holds, each in a spare row
 * past the ring (docs/design.md, "Memory": a long-lived holder need not pin the watermark). Ids map to spare
 * rows through an IntMap; freed spare rows are reused, lowest first, so the spare area stays as small as the
 * most stragglers ever held at once. Which spare row a straggler gets is storage only: no result reads it.
 */
export class Stragglers {
  private readonly rowOf = new IntMap();
  private free: number[] = [];
  /** Spare rows ever handed out: the next new one. */
  private used = 0;

  get size(): number {
    return this.rowOf.size;
  }

  /** The spare row (0-based, from the end of the ring) of straggler `id`, or -1 when it is not one. */
  spareRow(id: number): number {
    return this.rowOf.size === 0 ? -1 : (this.rowOf.get(id) ?? -1);
  }

  /** Spare rows needed to add `more` stragglers. */
  rowsNeededFor(more: number): number {
    return this.used + Math.max(0, more - this.free.length);
  }

  /** Makes `id` a straggler and returns its spare row. */
  add(id: number): number {
    const row = this.free.pop() ?? this.used++;
    this.rowOf.set(id, row);
    return row;
  }

  /** `id` is a straggler no more; its spare row serves another. */
  remove(id: number): void {
    const row = this.spareRow(id);
    this.rowOf.delete(id);
    this.free.push(row);
  }

  /** The stragglers' ids, ascending (a new array: for the rare passes that visit them). */
  ids(): number[] {
    return this.rowOf.size === 0 ? [] : this.rowOf.keys();
  }
}
