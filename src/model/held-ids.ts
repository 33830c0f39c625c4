import type { MessageColumn, MessageTable } from "./messages.js";

/**
 * Message ids a component keeps from one event to a later one, in no particular order (a dependency's open
 * calls, a dead-letter queue waiting for its redrive), for its `MessageHolder.oldestHeld()`: a count per
 * message row, and the lowest held id found lazily. Holding and releasing write one row; `oldest` moves a
 * cursor forward over rows held by none, so over a run it passes each id about once, plus the ids between an
 * older id held anew and the cursor (ids still in play, so at most the table's rows). In a run whose table
 * keeps every row nothing asks, and nothing is counted.
 */
export class HeldIds {
  /** Holds per message row; null when the table never retires. */
  private readonly counts: MessageColumn<Int32Array> | null;
  /** No id below it is held. */
  private lowest = 0;

  constructor(private readonly messages: MessageTable) {
    this.counts = messages.retires ? messages.column((length) => new Int32Array(length)) : null;
  }

  hold(id: number): void {
    const counts = this.counts;
    if (counts === null) return;
    counts.values[this.messages.slot(id)]!++;
    if (id < this.lowest) this.lowest = id;
  }

  release(id: number): void {
    const counts = this.counts;
    if (counts === null) return;
    counts.values[this.messages.slot(id)]!--;
  }

  /** The lowest id held, or +Infinity when none is (-Infinity in a table that never retires: nothing was counted). */
  oldest(): number {
    const counts = this.counts;
    if (counts === null) return Number.NEGATIVE_INFINITY;
    const { base, count, mask } = this.messages;
    let id = Math.max(this.lowest, base);
    while (id < count && counts.values[id & mask] === 0) id++;
    this.lowest = id;
    return id < count ? id : Number.POSITIVE_INFINITY;
  }

  /** Visits every id held, stragglers first (all ascending): for a pass that keeps long-held ids apart. */
  forEach(visit: (id: number) => void): void {
    const counts = this.counts;
    if (counts === null) return;
    const { messages } = this;
    for (const id of messages.stragglerIds()) if (counts.values[messages.slot(id)]! > 0) visit(id);
    for (let id = Math.max(this.oldest(), messages.base); id < messages.count; id++)
      if (counts.values[id & messages.mask]! > 0) visit(id);
  }
}
