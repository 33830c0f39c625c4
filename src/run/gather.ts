import type { Simulation } from "../engine/simulation.js";
import { lengthened } from "../model/growable.js";
import type { MessageColumn, MessageTable } from "../model/messages.js";

/** What one gathering group did with the sets it opened. */
export interface GatherFigures {
  /** Sets whose `parts` distinct parts all arrived before the timeout. */
  completed: number;
  /** Sets still short when the timeout ran out (counted at that moment). */
  timedOut: number;
  /** Parts that arrived after their set had closed (timed out, or complete and this one extra). */
  late: number;
}

/**
 * Fan-in for one group: a set per root message, opened by its first part, closed when `parts`
 * distinct parts are in or when `timeout` has passed since the first. Sets are looked up by root
 * and never iterated, so their order cannot change a result.
 *
 * Which roots' sets closed is a column of the message table, kept in the root's row: a part in play keeps its
 * root's row (`Lineage.keptFrom`), and an open set keeps it through `oldestHeld` until its timeout, when the
 * set may close with no part left in play.
 */
export class Gather {
  readonly figures: GatherFigures = { completed: 0, timedOut: 0, late: 0 };
  /** Open sets: root → parts received so far, and the timeout's event. */
  private readonly open = new Map<number, { parts: number; timer: number }>();
  /** Per root's row: 1 once its set closed (a part for it is late). */
  private readonly closed: MessageColumn<Uint8Array>;
  /** The roots of open sets, a min-heap; a root whose set closed leaves it when it reaches the top. */
  private openRoots = new Int32Array(64);
  private openRootCount = 0;
  private readonly expire = (root: number): void => {
    if (!this.open.delete(root)) return;
    this.close(root);
    this.figures.timedOut++;
  };

  constructor(
    private readonly sim: Simulation,
    private readonly messages: MessageTable,
    private readonly parts: number,
    private readonly timeout: number,
  ) {
    this.closed = messages.column((length) => new Uint8Array(length));
  }

  /** A first consumption of a part of `root`'s set: true when it completes the set. */
  part(root: number): boolean {
    if (this.closed.values[this.messages.slot(root)] === 1) {
      this.figures.late++;
      return false;
    }
    let set = this.open.get(root);
    if (set === undefined) {
      set = { parts: 0, timer: this.sim.schedule(this.timeout, this.expire, root) };
      // Only a retirement reads (and so empties) the heap: a table that never retires keeps none.
      if (this.messages.retires) this.pushOpenRoot(root);
    }
    set.parts++;
    if (set.parts < this.parts) {
      this.open.set(root, set);
      return false;
    }
    this.sim.cancel(set.timer);
    this.open.delete(root);
    this.close(root);
    this.figures.completed++;
    return true;
  }

  /** The lowest root of an open set, or +Infinity (a `MessageHolder`: the set's timeout writes the root's row). */
  oldestHeld(): number {
    while (this.openRootCount > 0 && !this.open.has(this.openRoots[0]!)) this.popOpenRoot();
    return this.openRootCount === 0 ? Number.POSITIVE_INFINITY : this.openRoots[0]!;
  }

  private close(root: number): void {
    this.closed.values[this.messages.slot(root)] = 1;
  }

  private pushOpenRoot(root: number): void {
    if (this.openRootCount === this.openRoots.length)
      this.openRoots = lengthened(this.openRoots, this.openRoots.length * 2);
    const heap = this.openRoots;
    let at = this.openRootCount++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (heap[parent]! <= root) break;
      heap[at] = heap[parent]!;
      at = parent;
    }
    heap[at] = root;
  }

  private popOpenRoot(): void {
    const heap = this.openRoots;
    const last = heap[--this.openRootCount]!;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= this.openRootCount) break;
      if (child + 1 < this.openRootCount && heap[child + 1]! < heap[child]!) child++;
      if (heap[child]! >= last) break;
      heap[at] = heap[child]!;
      at = child;
    }
    heap[at] = last;
  }
}
