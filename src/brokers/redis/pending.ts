import type { BrokerContext } from "../broker.js";
import { GroupColumn } from "./columns.js";
import type { Memory } from "./memory.js";
import type { Persistence } from "./persistence.js";
import { PEL_ENTRY_BYTES } from "./sizes.js";
import { STREAM_KEY } from "./stream-log.js";

/** Journal record: a PEL entry before a change: owner or -1 (a), delivery time (b), delivery counter (c). */
export const PEL_ENTRY = 21;

/** What the PELs need of the streams their groups read. */
export interface PelStreams {
  /** The memory key of the stream a group reads (pipeline stages give groups streams of their own). */
  keyOf: (group: number) => number;
  /** A PEL entry's before-image was journaled: a crash may put it back. */
  journaled: (group: number, message: number) => void;
}

/**
 * Each consumer group's pending entries list (PEL): for every entry delivered
 * and not yet XACKed, its owner, when it was last delivered (its idle time
 * runs from there) and its delivery counter. Entries are kept in ID order for
 * XAUTOCLAIM and for re-reading a consumer's history from ID 0.
 */
export class PendingEntries {
  /** Per (group, message): the owning consumer, or -1 if not pending. */
  readonly owner: GroupColumn<Int32Array>;
  readonly since: GroupColumn<Float64Array>;
  readonly counter: GroupColumn<Uint16Array>;
  readonly count: Int32Array;
  private readonly epochs: GroupColumn<Uint32Array>;
  /**
   * Per (group, message): the stamp of its place in the group's ID order, the order's count of places given when
   * it became pending. An entry XACKed and made pending again (a producer's resend is a new stream entry of the
   * same message) takes a new place, and the old one, live again by its owner alone, is stale by its stamp.
   */
  private readonly placed: GroupColumn<Uint32Array>;
  private readonly order: OrderedIds[];

  constructor(
    private readonly context: BrokerContext,
    private readonly persistence: Persistence,
    /** Pending entries take memory in the stream's key. */
    private readonly memory: Memory,
    private readonly streams: PelStreams = { keyOf: () => STREAM_KEY, journaled: () => {} },
  ) {
    const { groupCount, messages } = context;
    this.owner = new GroupColumn(messages, groupCount, (n) => new Int32Array(n), -1);
    this.since = new GroupColumn(messages, groupCount, (n) => new Float64Array(n));
    this.counter = new GroupColumn(messages, groupCount, (n) => new Uint16Array(n));
    this.epochs = new GroupColumn(messages, groupCount, (n) => new Uint32Array(n));
    this.placed = new GroupColumn(messages, groupCount, (n) => new Uint32Array(n));
    this.count = new Int32Array(groupCount);
    this.order = Array.from(
      { length: groupCount },
      (_, group) =>
        new OrderedIds((message, stamp) => {
          const row = messages.slot(message);
          return this.owner.rows(group)[row]! < 0 || this.placed.rows(group)[row] !== stamp;
        }),
    );
  }

  isPending(group: number, message: number): boolean {
    return this.owner.get(group, message) >= 0;
  }

  /** Makes the entry pending for `consumer` with `counter` deliveries; its idle time starts now. */
  assign(group: number, message: number, consumer: number, counter: number): void {
    // One row lookup per call: reading each column by message id looked the row up seven times, on every read.
    const row = this.context.messages.slot(message);
    const owners = this.owner.rows(group);
    const wasPending = owners[row]! >= 0;
    this.save(group, message, row);
    owners[row] = consumer;
    this.since.rows(group)[row] = this.context.sim.now;
    this.counter.rows(group)[row] = Math.min(counter, 65535);
    if (!wasPending) {
      this.memory.grow(this.streams.keyOf(group), PEL_ENTRY_BYTES);
      this.count[group]!++;
      this.placed.rows(group)[row] = this.order[group]!.push(message);
    }
  }

  /** XACK (or a PEL deletion): the entry is no longer pending. */
  remove(group: number, message: number): void {
    const row = this.context.messages.slot(message);
    const owners = this.owner.rows(group);
    if (owners[row]! < 0) return;
    this.save(group, message, row);
    owners[row] = -1;
    this.memory.shrink(this.streams.keyOf(group), PEL_ENTRY_BYTES);
    this.count[group]!--;
    this.order[group]!.dropStaleFront();
  }

  /**
   * Every group's ID order lets go of the entries no longer pending (XACKed: every reader skips them, and
   * their messages may be retired). Returns the lowest message id still pending in any group, or +Infinity.
   */
  releaseRead(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const order of this.order) oldest = Math.min(oldest, order.squeeze());
    return oldest;
  }

  /** Visits the group's pending entries in ID order while `visit` returns true. */
  scan(group: number, visit: (message: number) => boolean): void {
    this.order[group]!.scan(visit);
  }

  undo(kind: number, group: number, message: number, owner: number, since: number, counter: number): boolean {
    if (kind !== PEL_ENTRY) return false;
    this.owner.set(group, message, owner);
    this.since.set(group, message, since);
    this.counter.set(group, message, counter);
    return true;
  }

  wipe(): void {
    this.owner.reset();
  }

  /**
   * Rebuilds counts and ID order from the restored owners, over the table's rows: a retired message is pending
   * in no group, and a crash puts back only entries of messages it holds (`Persistence.oldestUndoable`).
   */
  rebuild(seqOf: (message: number, group: number) => number): void {
    const { base, count } = this.context.messages;
    this.order.forEach((order, group) => {
      const pending: number[] = [];
      for (let message = base; message < count; message++)
        if (this.owner.get(group, message) >= 0) pending.push(message);
      pending.sort((a, b) => seqOf(a, group) - seqOf(b, group));
      this.count[group] = pending.length;
      this.memory.grow(this.streams.keyOf(group), pending.length * PEL_ENTRY_BYTES);
      const stamps = order.reset(pending);
      for (let i = 0; i < pending.length; i++) this.placed.set(group, pending[i]!, stamps[i]!);
    });
  }

  /** Journals the entry's before-image; `row` is the message's (`messages.slot`). */
  private save(group: number, message: number, row: number): void {
    const recorded = this.persistence.write(
      this.epochs.rows(group),
      row,
      PEL_ENTRY,
      group,
      message,
      this.owner.rows(group)[row]!,
      this.since.rows(group)[row]!,
      this.counter.rows(group)[row]!,
    );
    if (recorded) this.streams.journaled(group, message);
  }
}

/**
 * Ids in insertion order; removal is lazy: stale ids are skipped, and squeezed out when the array fills. Each
 * place carries a stamp (`push` returns it), and `isStale` is asked with it: an id pushed again while an old
 * place of it is still in the array is live at its new place only.
 */
class OrderedIds {
  private ids = new Int32Array(64);
  private stamps = new Uint32Array(64);
  private start = 0;
  private end = 0;
  /** Places given so far: the next place's stamp is one more. */
  private placed = 0;

  constructor(private readonly isStale: (id: number, stamp: number) => boolean) {}

  /** Appends `id` and returns the stamp of its place. */
  push(id: number): number {
    if (this.end === this.ids.length) this.makeRoom();
    this.placed = (this.placed + 1) >>> 0;
    const stamp = this.placed;
    this.ids[this.end] = id;
    this.stamps[this.end++] = stamp;
    return stamp;
  }

  /** Skips stale ids at the front, so a queue acked in order costs nothing. */
  dropStaleFront(): void {
    while (this.start < this.end && this.staleAt(this.start)) this.start++;
  }

  scan(visit: (id: number) => boolean): void {
    this.dropStaleFront();
    for (let i = this.start; i < this.end; i++) {
      if (!this.staleAt(i) && !visit(this.ids[i]!)) return;
    }
  }

  /** Replaces the ids with `ids`, in that order; returns each one's stamp. */
  reset(ids: readonly number[]): number[] {
    this.ids = new Int32Array(Math.max(64, ids.length * 2));
    this.stamps = new Uint32Array(this.ids.length);
    this.start = 0;
    this.end = 0;
    return ids.map((id) => this.push(id));
  }

  /** Squeezes out every stale id; returns the lowest id left, or +Infinity. */
  squeeze(): number {
    let oldest = Number.POSITIVE_INFINITY;
    const live = this.keepLive();
    for (let i = 0; i < live; i++) if (this.ids[i]! < oldest) oldest = this.ids[i]!;
    return oldest;
  }

  private staleAt(i: number): boolean {
    return this.isStale(this.ids[i]!, this.stamps[i]!);
  }

  private makeRoom(): void {
    const live = this.keepLive();
    if (live * 2 > this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      const stamps = new Uint32Array(ids.length);
      ids.set(this.ids.subarray(0, live));
      stamps.set(this.stamps.subarray(0, live));
      this.ids = ids;
      this.stamps = stamps;
    }
  }

  /** Moves the live places to the front, in order; returns how many there are. */
  private keepLive(): number {
    let live = 0;
    for (let i = this.start; i < this.end; i++) {
      if (this.staleAt(i)) continue;
      this.ids[live] = this.ids[i]!;
      this.stamps[live++] = this.stamps[i]!;
    }
    this.start = 0;
    this.end = live;
    return live;
  }
}
