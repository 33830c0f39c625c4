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
    this.count = new Int32Array(groupCount);
    this.order = Array.from(
      { length: groupCount },
      (_, group) => new OrderedIds((message) => this.owner.get(group, message) < 0),
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
      this.order[group]!.push(message);
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
      order.reset(pending);
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

/** Ids in insertion order; removal is lazy: stale ids are skipped, and squeezed out when the array fills. */
class OrderedIds {
  private ids = new Int32Array(64);
  private start = 0;
  private end = 0;

  constructor(private readonly isStale: (id: number) => boolean) {}

  push(id: number): void {
    if (this.end === this.ids.length) this.makeRoom();
    this.ids[this.end++] = id;
  }

  /** Skips stale ids at the front, so a queue acked in order costs nothing. */
  dropStaleFront(): void {
    while (this.start < this.end && this.isStale(this.ids[this.start]!)) this.start++;
  }

  scan(visit: (id: number) => boolean): void {
    this.dropStaleFront();
    for (let i = this.start; i < this.end; i++) {
      const id = this.ids[i]!;
      if (!this.isStale(id) && !visit(id)) return;
    }
  }

  reset(ids: readonly number[]): void {
    this.ids = new Int32Array(Math.max(64, ids.length * 2));
    this.ids.set(ids);
    this.start = 0;
    this.end = ids.length;
  }

  /** Squeezes out every stale id; returns the lowest id left, or +Infinity. */
  squeeze(): number {
    let oldest = Number.POSITIVE_INFINITY;
    let live = this.start;
    for (let i = this.start; i < this.end; i++) {
      const id = this.ids[i]!;
      if (this.isStale(id)) continue;
      this.ids[live++] = id;
      if (id < oldest) oldest = id;
    }
    this.end = live;
    return oldest;
  }

  private makeRoom(): void {
    let live = 0;
    for (let i = this.start; i < this.end; i++) if (!this.isStale(this.ids[i]!)) this.ids[live++] = this.ids[i]!;
    if (live * 2 > this.ids.length) {
      const next = new Int32Array(this.ids.length * 2);
      next.set(this.ids.subarray(0, live));
      this.ids = next;
    }
    this.start = 0;
    this.end = live;
  }
}
