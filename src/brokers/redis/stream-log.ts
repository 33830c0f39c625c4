import type { BrokerContext } from "../broker.js";
import { GroupColumn, SeqArray } from "./columns.js";
import type { Memory } from "./memory.js";
import type { Persistence } from "./persistence.js";
import {
  STREAM_FIELD_BYTES,
  STREAM_NODE_BYTES,
  STREAM_NODE_FIXED_BYTES,
  sizeClass,
  streamEntryBytes,
} from "./sizes.js";

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
 * order (their IDs). Entries are packed into macro nodes (listpacks), as
 * t_stream.c's streamAppendItem packs them: a new node once the newest has
 * `stream-node-max-entries` entries (trimmed ones included) or once its
 * listpack bytes plus the new entry's field and value lengths reach
 * `stream-node-max-bytes`. A node's memory is its listpack's size class plus
 * its radix-tree node, freed when its last entry goes. `MAXLEN ~ N` only
 * removes whole nodes, so it keeps at least N entries, while `MAXLEN N` trims
 * to exactly N.
 */
export class StreamLog {
  first = 0;
  next = 0;
  private readonly entries = new SeqArray();
  /** Per sequence number: 1 where a macro node starts. */
  private readonly nodeStarts = new SeqArray();
  /** Per sequence number: the entry's bytes in its node's listpack, and the millisecond of its ID. */
  private readonly entryBytes = new SeqArray();
  private readonly entryMs = new SeqArray();
  /** Per message: its sequence number (the stream has one "group" here). */
  private readonly seqOf: GroupColumn<Int32Array>;
  /** Persistence epochs of `first` (0) and `next` (1). */
  private readonly epochs = new Uint32Array(2);
  /** The newest node: where it starts, its entries (trimmed ones too), its listpack bytes, its master ID's ms. */
  private newestStart = 0;
  private newestEntries = 0;
  private newestBytes = 0;
  private newestMasterMs = 0;
  /** Where the oldest node still allocated starts. */
  private oldestStart = 0;
  /**
   * The lowest position a crash may read again (`holdForUndo`), while the epoch in `undoEpochs` says a crash
   * may still restore what holds it (`Persistence.mayUndo`).
   */
  private undoableFrom = 0;
  private readonly undoEpochs = new Uint32Array(1);
  /**
   * In a run a crash may roll back, a stream that keeps every entry lets go of whole nodes only (a crash's
   * recount reads each node from its start): they start at `releasedTo`, and the memory of the nodes below
   * it, which Redis still keeps, is `releasedBytes`.
   */
  private releasedTo = 0;
  private releasedBytes = 0;

  constructor(
    private readonly context: BrokerContext,
    private readonly persistence: Persistence,
    private readonly memory: Memory,
    private readonly settings: TrimSettings,
    /** Which stream this is: its memory key, and the index its journal records carry. */
    private readonly key = STREAM_KEY,
  ) {
    this.seqOf = new GroupColumn(context.messages, 1, (n) => new Int32Array(n), -1);
  }

  get length(): number {
    return this.next - this.first;
  }

  at(seq: number): number {
    return this.entries.get(seq);
  }

  seq(message: number): number {
    return this.seqOf.get(0, message);
  }

  /** Whether the message's entry is in the stream (not trimmed, evicted or lost in a crash). */
  has(message: number): boolean {
    const seq = this.seq(message);
    return seq >= this.first && seq < this.next && this.entries.get(seq) === message;
  }

  /** XADD: appends the entry and returns its sequence number. */
  append(message: number): number {
    const seq = this.next;
    const { messages } = this.context;
    const size = messages.size[messages.slot(message)]!;
    // A crash that restores `next` finds the newest node then again (recount).
    if (this.persistence.write(this.epochs, 1, STREAM_NEXT, this.key, -1, seq)) this.holdForUndo(seq - 1);
    this.seqOf.set(0, message, seq);
    this.entries.set(seq, message);
    const ms = Math.floor(this.context.sim.now / 1000);
    if (this.startsNode(size)) {
      this.nodeStarts.set(seq, 1);
      if (this.length === 0) this.oldestStart = seq;
      this.newestStart = seq;
      this.newestEntries = 0;
      this.newestBytes = STREAM_NODE_FIXED_BYTES;
      this.newestMasterMs = ms;
      this.memory.grow(this.key, sizeClass(this.newestBytes) + STREAM_NODE_BYTES);
    } else this.nodeStarts.set(seq, 0);
    const bytes = streamEntryBytes(size, ms - this.newestMasterMs);
    this.entryBytes.set(seq, bytes);
    this.entryMs.set(seq, ms);
    this.memory.grow(this.key, sizeClass(this.newestBytes + bytes) - sizeClass(this.newestBytes));
    this.newestBytes += bytes;
    this.newestEntries++;
    this.next = seq + 1;
    this.memory.touch(this.key);
    return seq;
  }

  /**
   * Trims to MAXLEN after an XADD; `removed` sees each trimmed entry, oldest first, but for a retired message:
   * nothing held it (every group had read and acked it), so its removal changes nothing.
   */
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

  /**
   * Lets go of the positions nothing reads again, in a run that retires messages (see
   * StreamsBroker.releaseRead). A stream that removes entries (MAXLEN trims it, or an allkeys-* policy may
   * evict it) reads from its oldest macro node on, to free nodes and drop what a group has not read: it keeps
   * that. Any other stream reads only from `readFrom` on (what its groups have not read or hold pending), and
   * keeps only that, where Redis would keep every entry. Either keeps what a crash may read again
   * (`holdForUndo`).
   */
  letGo(readFrom: number): void {
    const removes = this.settings.MAXLEN !== null || this.memory.evicts;
    let from = removes ? this.oldestStart : Math.min(readFrom, this.next);
    if (this.persistence.mayUndo(this.undoEpochs, 0)) from = Math.min(from, this.undoableFrom);
    if (!removes && this.persistence.records) from = this.releaseNodesBelow(from);
    for (const positions of [this.entries, this.nodeStarts, this.entryBytes, this.entryMs]) positions.keepFrom(from);
  }

  /**
   * Lets go of the whole nodes below the one that holds `from` (or the newest entry), adding their memory to
   * `releasedBytes`; returns where the nodes kept start.
   */
  private releaseNodesBelow(from: number): number {
    const last = Math.min(from, this.next - 1);
    if (last <= this.releasedTo) return this.releasedTo;
    // The newest node may be long (no limit on its entries): its start is known, the others' are found nearby.
    let until = Math.max(this.releasedTo, Math.min(last, this.newestStart));
    while (until > this.releasedTo && this.nodeStarts.get(until) === 0) until--;
    for (let start = this.releasedTo; start < until; ) {
      const end = this.nodeEnd(start);
      this.releasedBytes += sizeClass(this.listpackBytes(start, end)) + STREAM_NODE_BYTES;
      start = end;
    }
    this.releasedTo = until;
    return until;
  }

  /**
   * A crash may read the stream from `seq` on again (a cursor or `first` it restores, a pending entry it puts
   * back): `letGo` keeps the positions from there until the data is next durable.
   */
  holdForUndo(seq: number): void {
    if (this.persistence.mayUndo(this.undoEpochs, 0)) {
      if (seq < this.undoableFrom) this.undoableFrom = seq;
      return;
    }
    this.persistence.stamp(this.undoEpochs, 0);
    this.undoableFrom = seq;
  }

  undo(kind: number, before: number): boolean {
    if (kind === STREAM_FIRST) this.first = before;
    else if (kind === STREAM_NEXT) this.next = before;
    else return false;
    return true;
  }

  /** Empties the stream where it ends: positions go on from there, as those below may have been let go. */
  wipe(): void {
    this.first = this.next;
    this.releasedTo = this.next;
    this.releasedBytes = 0;
  }

  /** Adds the nodes' memory back to a reset memory count and finds the oldest and newest nodes again. */
  recount(): void {
    // Empty (rolled back to empty, or wiped): the next entry starts the oldest node, where positions go on.
    if (this.length === 0) {
      this.oldestStart = this.first;
      return;
    }
    // Nodes below `releasedTo` (none in a stream that removes entries) are counted by their sum.
    this.memory.grow(this.key, this.releasedBytes);
    let start = Math.max(this.first, this.releasedTo);
    while (start > this.releasedTo && this.nodeStarts.get(start) === 0) start--;
    this.oldestStart = start;
    for (; start < this.next; start = this.nodeEnd(start)) {
      const end = this.nodeEnd(start);
      const bytes = this.listpackBytes(start, end);
      this.memory.grow(this.key, sizeClass(bytes) + STREAM_NODE_BYTES);
      this.newestStart = start;
      this.newestEntries = end - start;
      this.newestBytes = bytes;
    }
    this.newestMasterMs = this.entryMs.get(this.newestStart);
  }

  /** The listpack bytes of the node at [start, end). */
  private listpackBytes(start: number, end: number): number {
    let bytes = STREAM_NODE_FIXED_BYTES;
    for (let seq = start; seq < end; seq++) bytes += this.entryBytes.get(seq);
    return bytes;
  }

  /** Whether an entry of `size` bytes opens a new macro node (streamAppendItem). */
  private startsNode(size: number): boolean {
    if (this.length === 0) return true;
    // 0 means no limit, as in redis.conf.
    const maxEntries = this.settings["stream-node-max-entries"] || Number.POSITIVE_INFINITY;
    const maxBytes = this.settings["stream-node-max-bytes"] || Number.POSITIVE_INFINITY;
    return this.newestEntries >= maxEntries || this.newestBytes + STREAM_FIELD_BYTES + size >= maxBytes;
  }

  private removeBefore(until: number, removed: (message: number) => void): void {
    if (until <= this.first) return;
    // A crash that restores `first` finds its node again (recount), and the entries there a group may read.
    if (this.persistence.write(this.epochs, 0, STREAM_FIRST, this.key, -1, this.first))
      this.holdForUndo(this.oldestStart);
    for (let seq = this.first; seq < until; seq++) {
      const message = this.entries.get(seq);
      this.first = seq + 1;
      if (this.first === this.next || this.nodeStarts.get(this.first) === 1) this.freeOldestNode(this.first);
      if (message < this.context.messages.base) continue;
      // A crash that restores `first` puts the entry back, unread by a group that had not read it.
      this.persistence.touched(message);
      removed(message);
    }
  }

  /** The oldest node, which ends at `end`, lost its last entry: its listpack and radix-tree node are freed. */
  private freeOldestNode(end: number): void {
    let bytes = STREAM_NODE_FIXED_BYTES;
    for (let seq = this.oldestStart; seq < end; seq++) bytes += this.entryBytes.get(seq);
    this.memory.shrink(this.key, sizeClass(bytes) + STREAM_NODE_BYTES);
    this.oldestStart = end;
  }

  /** The sequence number after the node that starts at `start`. */
  private nodeEnd(start: number): number {
    let end = start + 1;
    while (end < this.next && this.nodeStarts.get(end) === 0) end++;
    return end;
  }
}
