import type { TypedArray } from "../../model/growable.js";
import type { MessageColumn, MessageTable } from "../../model/messages.js";

/**
 * One message-table column per consumer group: a value per (group, message), in the message's row
 * (`MessageTable.slot`), so it grows and retires with the table's rows (docs/design.md, "Memory"). Reading
 * a retired message's value throws, as reading its row does.
 */
export class GroupColumn<T extends TypedArray> {
  private readonly columns: MessageColumn<T>[];

  constructor(
    private readonly messages: MessageTable,
    groups: number,
    make: (length: number) => T,
    fill = 0,
  ) {
    this.columns = Array.from({ length: groups }, () => messages.column(make, fill));
  }

  get(group: number, message: number): number {
    return this.columns[group]!.values[this.messages.slot(message)]!;
  }

  set(group: number, message: number, value: number): void {
    this.columns[group]!.values[this.messages.slot(message)] = value;
  }

  /** The group's values indexed by row (`messages.slot(id)`): replaced when the table grows, so not to be kept. */
  rows(group: number): T {
    return this.columns[group]!.values;
  }

  /** Sets every value back to the column's default (a crash that keeps nothing). */
  reset(): void {
    for (const column of this.columns) column.values.fill(column.fill);
  }
}

/**
 * A growable typed array indexed by a sequence number (a position in a list or stream), stored as a ring:
 * `keepFrom` lets go of the positions below one that nothing reads again (a run that retires messages asks
 * for it between events; see ListBroker.releaseRead), so the ring holds what is in play, not the whole run.
 * Reading a position let go of throws. In any other run nothing is let go and every position is kept.
 */
export class SeqArray {
  private values = new Int32Array(1024);
  /** `values.length - 1` (a power of two less one): position `seq` is at index `seq & mask`. */
  private mask = 1023;
  /** Positions below it are let go. */
  private kept = 0;

  set(seq: number, value: number): void {
    if (seq < this.kept) letGoRead(seq, this.kept);
    if (seq - this.kept > this.mask) this.grow(seq);
    this.values[seq & this.mask] = value;
  }

  get(seq: number): number {
    if (seq < this.kept) letGoRead(seq, this.kept);
    return this.values[seq & this.mask]!;
  }

  /** Lets go of the positions below `seq`: the caller guarantees nothing reads or writes them again. */
  keepFrom(seq: number): void {
    if (seq > this.kept) this.kept = seq;
  }

  /** Doubles the ring until `seq` fits; each kept position below it moves to its index under the new mask. */
  private grow(seq: number): void {
    let mask = this.mask;
    while (seq - this.kept > mask) mask = mask * 2 + 1;
    const next = new Int32Array(mask + 1);
    // Nothing let go: every position is still at its own index.
    if (this.kept === 0) next.set(this.values);
    else for (let at = this.kept; at < seq; at++) next[at & mask] = this.values[at & this.mask]!;
    this.values = next;
    this.mask = mask;
  }
}

/** Out of line, so the hot `get` stays small: a read below what was let go is a bug in the retirement. */
function letGoRead(seq: number, kept: number): never {
  throw new Error(`invariant: list or stream read at position ${seq}, below the positions it let go (${kept})`);
}
