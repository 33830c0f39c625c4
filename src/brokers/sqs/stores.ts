import { IntRing } from "../../model/int-ring.js";
import type { MessageTable } from "../../model/messages.js";
import type { Rng } from "../../random/streams.js";
import { MessageRing } from "./message-ring.js";
import type { MessageState } from "./message-state.js";

/**
 * Called as a receive reaches a message: true to hand it out, false when the
 * broker disposed of it instead (past retention, or past maxReceiveCount).
 */
export type Admit = (queue: number, message: number) => boolean;

/**
 * The visible messages of each queue and the rule for which ones a receive
 * gets: the one thing that differs between standard and FIFO queues.
 */
export interface VisibleStore {
  /** A message becomes visible for the first time (after any delay). */
  add(queue: number, message: number): void;
  /** A message in flight becomes visible again (timeout or ChangeMessageVisibility). */
  returnVisible(queue: number, message: number): void;
  /** A message in flight left for good (deleted, dropped). */
  leftFlight(queue: number, message: number): void;
  /** Deletes a visible message; returns false where the queue type refuses that. */
  removeVisible(queue: number, message: number): boolean;
  hasReceivable(queue: number): boolean;
  /** Takes up to `max` messages for one receive into `out`; returns how many. */
  take(queue: number, max: number, out: Int32Array): number;
  visibleCount(queue: number): number;
  /**
   * The lowest message id any queue's store lists, or +Infinity. Usually a visible message, but a message
   * sent again while it is held is listed once more, and that entry stays after the message is deleted.
   */
  oldestListed(): number;
}

/**
 * Standard queue: best-effort order. A receive takes each message at random
 * from the first `window` visible ones, so no message is handed out ahead of
 * `window` or more older visible messages.
 */
export class StandardStore implements VisibleStore {
  private readonly rings: MessageRing[];

  constructor(
    queues: number,
    private readonly state: MessageState,
    private readonly admit: Admit,
    private readonly window: number,
    private readonly rng: Rng,
  ) {
    this.rings = Array.from({ length: queues }, () => new MessageRing());
  }

  add(queue: number, message: number): void {
    this.rings[queue]!.insertNewest(message, this.state);
  }

  returnVisible(queue: number, message: number): void {
    this.rings[queue]!.insertOldest(message, this.state);
  }

  leftFlight(): void {}

  removeVisible(queue: number, message: number): boolean {
    return this.rings[queue]!.remove(message);
  }

  hasReceivable(queue: number): boolean {
    return this.rings[queue]!.length > 0;
  }

  take(queue: number, max: number, out: Int32Array): number {
    const ring = this.rings[queue]!;
    let taken = 0;
    while (taken < max && ring.length > 0) {
      const span = Math.min(this.window, ring.length);
      const message = ring.removeAt(span > 1 ? Math.floor(this.rng() * span) : 0);
      if (this.admit(queue, message)) out[taken++] = message;
    }
    return taken;
  }

  visibleCount(queue: number): number {
    return this.rings[queue]!.length;
  }

  oldestListed(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const ring of this.rings) oldest = Math.min(oldest, ring.smallest());
    return oldest;
  }
}

/** One FIFO queue: a line per message group, and the groups a receive may serve. */
class GroupedQueue {
  lines: MessageRing[] = [];
  inFlight = new Int32Array(16);
  inReady = new Uint8Array(16);
  /** Groups with visible messages and nothing in flight, in the order they became so. */
  ready = new IntRing();
  visible = 0;

  line(group: number): MessageRing {
    while (this.lines.length <= group) this.lines.push(new MessageRing());
    if (group >= this.inFlight.length) {
      const size = Math.max(group + 1, this.inFlight.length * 2);
      const inFlight = new Int32Array(size);
      inFlight.set(this.inFlight);
      this.inFlight = inFlight;
      const inReady = new Uint8Array(size);
      inReady.set(this.inReady);
      this.inReady = inReady;
    }
    return this.lines[group]!;
  }

  markReadyIfFree(group: number): void {
    if (this.inReady[group] === 1 || this.inFlight[group]! > 0 || this.lines[group]!.length === 0) return;
    this.inReady[group] = 1;
    this.ready.push(group);
  }
}

/**
 * FIFO queue: strict order per message group (`messages.partition`). A group
 * with a message in flight is blocked. A receive takes as many messages of one
 * group as it may, then fills up from the next ready groups, each in order.
 */
export class FifoStore implements VisibleStore {
  private readonly queues: GroupedQueue[];

  constructor(
    queues: number,
    private readonly state: MessageState,
    private readonly admit: Admit,
    private readonly messages: MessageTable,
  ) {
    this.queues = Array.from({ length: queues }, () => new GroupedQueue());
  }

  add(queue: number, message: number): void {
    const grouped = this.queues[queue]!;
    const group = this.messages.partition[this.messages.slot(message)]!;
    grouped.line(group).insertNewest(message, this.state);
    grouped.visible++;
    grouped.markReadyIfFree(group);
  }

  returnVisible(queue: number, message: number): void {
    const grouped = this.queues[queue]!;
    const group = this.messages.partition[this.messages.slot(message)]!;
    grouped.inFlight[group]!--;
    grouped.line(group).insertOldest(message, this.state);
    grouped.visible++;
    grouped.markReadyIfFree(group);
  }

  leftFlight(queue: number, message: number): void {
    const grouped = this.queues[queue]!;
    const group = this.messages.partition[this.messages.slot(message)]!;
    grouped.inFlight[group]!--;
    grouped.markReadyIfFree(group);
  }

  /** On a FIFO queue a delete after the visibility timeout fails. */
  removeVisible(): boolean {
    return false;
  }

  hasReceivable(queue: number): boolean {
    return this.queues[queue]!.ready.length > 0;
  }

  take(queue: number, max: number, out: Int32Array): number {
    const grouped = this.queues[queue]!;
    let taken = 0;
    while (taken < max && grouped.ready.length > 0) {
      const group = grouped.ready.shift();
      grouped.inReady[group] = 0;
      const line = grouped.lines[group]!;
      while (taken < max && line.length > 0) {
        const message = line.shift();
        grouped.visible--;
        if (!this.admit(queue, message)) continue;
        out[taken++] = message;
        grouped.inFlight[group]!++;
      }
      grouped.markReadyIfFree(group);
    }
    return taken;
  }

  visibleCount(queue: number): number {
    return this.queues[queue]!.visible;
  }

  oldestListed(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const grouped of this.queues) for (const line of grouped.lines) oldest = Math.min(oldest, line.smallest());
    return oldest;
  }
}
