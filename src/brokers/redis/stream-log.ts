import type { BrokerContext } from "../broker.js";
import { GroupColumn, SeqArray } from "./columns.js";
import type { Memory } from "./memory.js";
import type { Persistence } from "./persistence.js";

/** Journal records: the stream's first and next sequence numbers before a trim or an XADD. */
export const STREAM_FIRST = 10;
export const STREAM_NEXT = 11;
/** The stream is memory key 0. */
export const STREAM_KEY = 0;

export interface TrimSettings {
  MAXLEN: number | null;
  approximate: boolean;
  "stream-node-max-entries": number;
  "stream-node-max-bytes": number;
}

/**
 * The entries of one Redis stream, at sequence numbers [first, next) in XADD
 * order (their IDs). Entries are packed into macro nodes of at most
 * `stream-node-max-entries` entries and `stream-node-max-bytes` bytes;
 * `MAXLEN ~ N` only removes whole nodes, so it keeps at least N entries,
 * while `MAXLEN N` trims to exactly N.
 */
export class StreamLog {
  first = 0;
  next = 0;
  private readonly entries = new SeqArray();
  private readonly nodeStarts = new SeqArray();
  /** Per message: its sequence number (the stream has one "group" here). */
  private readonly seqOf: GroupColumn<Int32Array>;
  /** Persistence epochs of `first` (0) and `next` (1). */
  private readonly epochs = new Uint32Array(2);
  private newestNodeEntries = 0;
  private newestNodeBytes = 0;

  constructor(
    private readonly context: BrokerContext,
    private readonly persistence: Persistence,
    private readonly memory: Memory,
    private readonly settings: TrimSettings,
  ) {
    this.seqOf = new GroupColumn(1, context.messages.capacity, (n) => new Int32Array(n), -1);
  }

  get length(): number {
    return this.next - this.first;
  }

  at(seq: number): number {
    return this.entries.get(seq);
  }

  seq(message: number): number {
    return this.seqOf.of[0]![message]!;
  }

  /** Whether the message's entry is in the stream (not trimmed, evicted or lost in a crash). */
  has(message: number): boolean {
    const seq = this.seq(message);
    return seq >= this.first && seq < this.next && this.entries.get(seq) === message;
  }

  /** XADD: appends the entry and returns its sequence number. */
  append(message: number): number {
    const seq = this.next;
    const size = this.context.messages.size[message]!;
    this.persistence.write(this.epochs, 1, STREAM_NEXT, -1, -1, seq);
    this.seqOf.ensure(message);
    this.seqOf.of[0]![message] = seq;
    this.entries.set(seq, message);
    // 0 means no limit, as in redis.conf.
    const maxEntries = this.settings["stream-node-max-entries"] || Number.POSITIVE_INFINITY;
    const maxBytes = this.settings["stream-node-max-bytes"] || Number.POSITIVE_INFINITY;
    const full = this.length === 0 || this.newestNodeEntries >= maxEntries || this.newestNodeBytes + size >= maxBytes;
    this.nodeStarts.set(seq, full ? 1 : 0);
    this.newestNodeEntries = full ? 1 : this.newestNodeEntries + 1;
    this.newestNodeBytes = full ? size : this.newestNodeBytes + size;
    this.next = seq + 1;
    this.memory.grow(STREAM_KEY, size);
    this.memory.touch(STREAM_KEY);
    return seq;
  }

  /** Trims to MAXLEN after an XADD; `removed` sees each trimmed entry, oldest first. */
  trim(removed: (message: number) => void): void {
    const limit = this.settings.MAXLEN;
    if (limit === null || this.length <= limit) return;
    let until = this.first;
    if (!this.settings.approximate) until = this.next - limit;
    else {
      for (let end = this.nodeEnd(until); this.next - end >= limit && end > until; end = this.nodeEnd(end)) until = end;
    }
    this.removeBefore(until, removed);
  }

  /** Deletes every entry (an eviction), oldest first. */
  deleteAll(removed: (message: number) => void): void {
    this.removeBefore(this.next, removed);
  }

  undo(kind: number, before: number): boolean {
    if (kind === STREAM_FIRST) this.first = before;
    else if (kind === STREAM_NEXT) this.next = before;
    else return false;
    return true;
  }

  wipe(): void {
    this.first = 0;
    this.next = 0;
  }

  /** Adds the entries' bytes back to a reset memory count and finds the newest node again. */
  recount(): void {
    this.newestNodeEntries = 0;
    this.newestNodeBytes = 0;
    let inNewest = true;
    for (let seq = this.next - 1; seq >= this.first; seq--) {
      const size = this.context.messages.size[this.entries.get(seq)]!;
      this.memory.grow(STREAM_KEY, size);
      if (inNewest) {
        this.newestNodeEntries++;
        this.newestNodeBytes += size;
        inNewest = this.nodeStarts.get(seq) === 0;
      }
    }
  }

  private removeBefore(until: number, removed: (message: number) => void): void {
    if (until <= this.first) return;
    this.persistence.write(this.epochs, 0, STREAM_FIRST, -1, -1, this.first);
    for (let seq = this.first; seq < until; seq++) {
      const message = this.entries.get(seq);
      this.memory.shrink(STREAM_KEY, this.context.messages.size[message]!);
      this.first = seq + 1;
      removed(message);
    }
    if (this.length === 0) {
      this.newestNodeEntries = 0;
      this.newestNodeBytes = 0;
    }
  }

  /** The sequence number after the node that starts at `start`. */
  private nodeEnd(start: number): number {
    let end = start + 1;
    while (end < this.next && this.nodeStarts.get(end) === 0) end++;
    return end;
  }
}
