import type { MessageColumn, MessageTable } from "./messages.js";

/**
 * Pipelines. A consumer group may be a stage that publishes onward: once its side effect is applied
 * (and, with a dedup store, its id recorded), the consumer hands the input to its `StagePublisher`,
 * which creates the onward messages and sends them to the broker over the consumer's own link, before
 * the ack. So the dual-write gap is the span between the side effect and that call: a crash there
 * (crash points `after-side-effect` and `after-dedup-record`) leaves the effect applied and nothing
 * published. Request-reply, sagas and a second broker build on this same call.
 */
export interface StagePublisher {
  /**
   * The consumer `consumer` applied the side effect of `message` (this delivery's; a redelivery that
   * applies it again calls again, so duplicates propagate): publish what the stage sends onward.
   */
  publishOnward(message: number, consumer: number): void;
  /**
   * The consumer `consumer` gave up on `message` after its retry policy's last attempt and dead-lettered,
   * parked or dropped it itself (not a nack): a saga takes that as its step's failure and compensates.
   */
  gaveUp?(message: number, consumer: number): void;
  /**
   * How `consumer`'s stage commits its onward messages: in its side effect's transaction, to a dual write
   * or an outbox (then `publishOnward` comes with the effect, before the crash point after it), or null:
   * published after the effect and the id, as above.
   */
  writesOf?(consumer: number): "dual-write" | "outbox" | null;
  /** The instance's process died or came back: its dual write or outbox relay with it. */
  crashed?(consumer: number): void;
  restarted?(consumer: number): void;
}

/**
 * Where each message came from: the producer's message at the root of its flow and the message whose
 * processing published it. Messages a producer created have no entry (root = itself, parent -1). The
 * columns are the message table's (`MessageTable.column`): they grow and retire with its rows.
 *
 * A flow's state is keyed by its root (whether it reached a last stage, a gather's closed sets): the root's
 * row must outlive every message of its flow that may still be read. `keptFrom` lowers a retirement's
 * watermark, which every other holder agreed on, to the lowest root of a message at or above it
 * (docs/design.md, "Memory"), found in a queue of onward messages whose roots rise with their ids (a
 * sliding-window minimum), so the retirement never scans the messages in play.
 */
export class Lineage {
  private readonly root: MessageColumn<Int32Array>;
  private readonly parent: MessageColumn<Int32Array>;
  /** Onward messages recorded so far: the run's roots are its messages less these. */
  onwardCount = 0;
  /** Onward messages (id, root) whose roots rise with their ids: each the lowest root from its id on. */
  private window = new Int32Array(64);
  private windowStart = 0;
  private windowEnd = 0;

  constructor(private readonly messages: MessageTable) {
    this.root = messages.column((length) => new Int32Array(length));
    this.parent = messages.column((length) => new Int32Array(length));
  }

  /** Records that `message` was published onward while `parent` was processed. */
  record(message: number, parent: number): void {
    const root = this.rootOf(parent);
    const row = this.messages.slot(message);
    this.root.values[row] = root + 1;
    this.parent.values[row] = parent + 1;
    this.onwardCount++;
    // A table that never retires asks nothing of the window (which would then keep an entry per onward message).
    if (!this.messages.retires) return;
    // An entry with a root at or above this one's is never the lowest from its id on again.
    while (this.windowEnd > this.windowStart && this.window[2 * (this.windowEnd - 1) + 1]! >= root) this.windowEnd--;
    if (2 * this.windowEnd + 2 > this.window.length) this.compact();
    this.window[2 * this.windowEnd] = message;
    this.window[2 * this.windowEnd + 1] = root;
    this.windowEnd++;
  }

  /** The producer's message whose flow `message` belongs to (itself for a producer's message). */
  rootOf(message: number): number {
    const stored = this.root.values[this.messages.slot(message)]!;
    return stored === 0 ? message : stored - 1;
  }

  /** The message whose processing published `message`, or -1 for a producer's message. */
  parentOf(message: number): number {
    return this.parent.values[this.messages.slot(message)]! - 1;
  }

  isOnward(message: number): boolean {
    return this.parentOf(message) >= 0;
  }

  /**
   * `watermark` lowered to the lowest root of an onward message at or above it. Only those messages can still be
   * read (no one holds one below the watermark), so their roots are all a flow's state needs; a message kept
   * only because the watermark came down for a root is touched by no one, and its own root need not be kept
   * (keeping it would hold the watermark back again at every retirement, by a chain of such roots).
   */
  keptFrom(watermark: number): number {
    const base = this.messages.base;
    while (this.windowStart < this.windowEnd && this.window[2 * this.windowStart]! < base) this.windowStart++;
    // The first entry whose id is at or above the watermark: its root is the lowest from there on. (A root below
    // the base, a straggler or one of a message no one touches, holds the watermark there until that message
    // is retired.)
    const entry = this.firstAtOrAbove(watermark);
    return entry === this.windowEnd ? watermark : Math.min(watermark, this.window[2 * entry + 1]!);
  }

  /** The first entry of the window whose id is at or above `id` (binary search: ids rise along it). */
  private firstAtOrAbove(id: number): number {
    let low = this.windowStart;
    let high = this.windowEnd;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.window[2 * middle]! < id) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Moves the window's entries to the front of its array, doubling the array when they fill half of it. */
  private compact(): void {
    const from = 2 * this.windowStart;
    const to = 2 * this.windowEnd;
    if (to - from + 2 > this.window.length / 2) {
      const next = new Int32Array(this.window.length * 2);
      next.set(this.window.subarray(from, to));
      this.window = next;
    } else this.window.copyWithin(0, from, to);
    this.windowEnd -= this.windowStart;
    this.windowStart = 0;
  }
}
