import { type MessageColumn, type MessageTable, PublishOutcome } from "../../model/messages.js";

/**
 * The topic: one append-only log per partition. A record's offset is its
 * place in its partition's log. Consuming removes nothing; only retention
 * moves a partition's start forward. Logs hold message ids, and a
 * message-table column gives each record's offset back.
 *
 * Each partition's records sit in a ring indexed by offset. A run that
 * retires messages also lets go of the records no group will read again
 * (`keepFrom`), so the rings hold what is in play, not the whole run; in
 * any other run nothing is let go and a ring only grows.
 */
/**
 * The acceptance times of a partition's let-go records (below `TopicLog.kept`) that retention may still
 * delete within the run, oldest offset first: the deletion reads when each was accepted, and their rows may
 * be retired. It stops at the first let-go record retention cannot delete before the run ends (accepted too
 * late, or never accepted): the deletion stops there for good, so no later time is ever read.
 */
class DeletionTimes {
  private times = new Float64Array(64);
  private head = 0;
  private length = 0;
  /** The offset of the first time held. */
  private first = 0;
  /** Set once a record retention cannot delete within the run was let go: nothing after it is noted. */
  private stopped = false;

  /** The record at `offset` (the next one after those held) was let go, accepted at `time`. */
  note(offset: number, time: number, lastDeletable: number): void {
    if (this.stopped) return;
    if (!(time <= lastDeletable)) {
      this.stopped = true;
      return;
    }
    if (this.length === 0) this.first = offset;
    if (this.length === this.times.length) this.grow();
    this.times[(this.head + this.length) & (this.times.length - 1)] = time;
    this.length++;
  }

  /** When the let-go record at `offset` was accepted; +Infinity for one retention never deletes in this run. */
  timeAt(offset: number): number {
    const index = offset - this.first;
    if (index < 0 || index >= this.length) return Number.POSITIVE_INFINITY;
    return this.times[(this.head + index) & (this.times.length - 1)]!;
  }

  /** Forgets the times of records below `start` (deleted). */
  dropBelow(start: number): void {
    const dropped = Math.min(this.length, Math.max(0, start - this.first));
    this.head = (this.head + dropped) & (this.times.length - 1);
    this.length -= dropped;
    this.first += dropped;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    for (let index = 0; index < this.length; index++)
      times[index] = this.times[(this.head + index) & (this.times.length - 1)]!;
    this.times = times;
    this.head = 0;
  }
}

export class TopicLog {
  /** Per partition: record ids, the one at `offset` at index `offset & masks[partition]`. */
  private readonly records: Int32Array[];
  /** Per partition, indexed as `records`: when the leader appended the record (microseconds), for what a host crash keeps. */
  private readonly appendTimes: Float64Array[];
  private readonly masks: Int32Array;
  /** Per partition: the oldest offset still stored (the log start offset). */
  readonly start: Int32Array;
  /** Per partition: the offset the next record gets (the log end offset). */
  readonly end: Int32Array;
  /** Per partition: offsets below it are let go (nothing reads them again); at most `end`, and at least 0. */
  private readonly kept: Int32Array;
  private readonly offsets: MessageColumn<Int32Array>;
  /**
   * Per partition, in a run that retires messages and whose retention may delete a record before it ends: the
   * acceptance times of let-go records not yet deleted; null otherwise (nothing let go is deleted in the run).
   */
  private readonly deletion: DeletionTimes[] | null;

  /**
   * `lastDeletable`: the latest acceptance time a record can have and still be deleted by retention within the
   * run (the run's last instant less retention.ms; -Infinity without retention).
   */
  constructor(
    readonly partitions: number,
    private readonly messages: MessageTable,
    private readonly lastDeletable = Number.NEGATIVE_INFINITY,
  ) {
    this.offsets = messages.column((n) => new Int32Array(n));
    this.deletion =
      messages.retires && lastDeletable >= 0 ? Array.from({ length: partitions }, () => new DeletionTimes()) : null;
    this.records = Array.from({ length: partitions }, () => new Int32Array(256));
    this.appendTimes = Array.from({ length: partitions }, () => new Float64Array(256));
    this.masks = new Int32Array(partitions).fill(255);
    this.start = new Int32Array(partitions);
    this.end = new Int32Array(partitions);
    this.kept = new Int32Array(partitions);
  }

  append(partition: number, message: number, now: number): number {
    const offset = this.end[partition]!;
    if (offset - this.kept[partition]! > this.masks[partition]!) this.grow(partition);
    const index = offset & this.masks[partition]!;
    this.records[partition]![index] = message;
    this.appendTimes[partition]![index] = now;
    this.offsets.values[this.messages.slot(message)] = offset;
    this.end[partition] = offset + 1;
    return offset;
  }

  message(partition: number, offset: number): number {
    if (offset < this.kept[partition]!) letGoRead(partition, offset, this.kept[partition]!);
    return this.records[partition]![offset & this.masks[partition]!]!;
  }

  /**
   * Lets go of `partition`'s records below `offset` (up to its end): the caller guarantees nothing reads their
   * ids again (KafkaBroker.releaseRead). Reading one throws, as reading a retired message's row does. Where
   * retention may delete within the run, the acceptance time of each record let go is noted first (its row may
   * be retired next); a record not accepted yet (an acks=all record past the high watermark, which a group
   * reset to the log end may have committed past) stops it there until it is answered, as its time may change.
   */
  keepFrom(partition: number, offset: number): void {
    const to = Math.min(offset, this.end[partition]!);
    const deletion = this.deletion?.[partition];
    if (deletion === undefined) {
      this.kept[partition] = Math.max(this.kept[partition]!, to);
      return;
    }
    const { messages } = this;
    let kept = this.kept[partition]!;
    for (; kept < to; kept++) {
      if (kept < this.start[partition]!) continue;
      const row = messages.slot(this.message(partition, kept));
      const accepted = messages.acceptedAt[row]!;
      if (Number.isNaN(accepted) && messages.outcome[row] === PublishOutcome.none) break;
      deletion.note(kept, accepted, this.lastDeletable);
    }
    this.kept[partition] = kept;
  }

  /** The first offset of `partition` whose record is still kept: the ids below it were let go. */
  keptFrom(partition: number): number {
    return this.kept[partition]!;
  }

  /** The first offset of `partition` appended after `time` (the log end if none): what a host crash at a later instant may lose. */
  firstAppendedAfter(partition: number, time: number): number {
    const times = this.appendTimes[partition]!;
    const mask = this.masks[partition]!;
    let low = this.start[partition]!;
    let high = this.end[partition]!;
    if (low < this.kept[partition]!) letGoRead(partition, low, this.kept[partition]!);
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (times[middle & mask]! <= time) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  offsetOf(message: number): number {
    return this.offsets.values[this.messages.slot(message)]!;
  }

  /**
   * Whether `message` is still in its partition's log (a leader failover may have cut it off). A record let go
   * is: only a run without failovers lets go, and there a record stays where it was appended (a zombie
   * member's ack can come after every group committed past its record).
   */
  holds(partition: number, message: number): boolean {
    const offset = this.offsetOf(message);
    if (offset < this.kept[partition]!) return true;
    return offset < this.end[partition]! && this.message(partition, offset) === message;
  }

  /** A new leader's log ends at `end`: records from there on are gone, and the next append gets offset `end`. */
  truncate(partition: number, end: number): void {
    const cut = Math.max(end, this.start[partition]!);
    if (cut < this.kept[partition]!) letGoRead(partition, cut, this.kept[partition]!);
    this.end[partition] = cut;
  }

  /** Whether `expire` would delete anything: checked first, so the common case makes no callback. */
  hasExpired(partition: number, cutoff: number): boolean {
    const start = this.start[partition]!;
    return start < this.end[partition]! && this.deletionTime(partition, start) <= cutoff;
  }

  /**
   * Deletes, from the head of a partition, every record accepted at or before
   * `cutoff`, calling `deleted(offset)` for each first. Records were appended
   * in acceptance order, so the oldest are always at the head.
   */
  expire(partition: number, cutoff: number, deleted: (offset: number) => void): number {
    const end = this.end[partition]!;
    let start = this.start[partition]!;
    const before = start;
    while (start < end && this.deletionTime(partition, start) <= cutoff) {
      deleted(start);
      start++;
    }
    this.start[partition] = start;
    this.deletion?.[partition]?.dropBelow(start);
    return start - before;
  }

  /** When the record at `offset` was accepted, read from its row or, once let go, from the noted times. */
  private deletionTime(partition: number, offset: number): number {
    if (offset >= this.kept[partition]!)
      return this.messages.acceptedAt[this.messages.slot(this.message(partition, offset))]!;
    return this.deletion?.[partition]?.timeAt(offset) ?? Number.POSITIVE_INFINITY;
  }

  /** Doubles a partition's ring; each kept record moves to its index under the new mask. */
  private grow(partition: number): void {
    const oldMask = this.masks[partition]!;
    const mask = oldMask * 2 + 1;
    const records = new Int32Array(mask + 1);
    const times = new Float64Array(mask + 1);
    const oldRecords = this.records[partition]!;
    const oldTimes = this.appendTimes[partition]!;
    if (this.kept[partition] === 0) {
      // Nothing let go: every offset is still at its own index.
      records.set(oldRecords);
      times.set(oldTimes);
    } else
      for (let offset = this.kept[partition]!; offset < this.end[partition]!; offset++) {
        records[offset & mask] = oldRecords[offset & oldMask]!;
        times[offset & mask] = oldTimes[offset & oldMask]!;
      }
    this.records[partition] = records;
    this.appendTimes[partition] = times;
    this.masks[partition] = mask;
  }
}

/** Out of line, so the hot `message` stays small: a read below what was let go is a bug in the retirement. */
function letGoRead(partition: number, offset: number, kept: number): never {
  throw new Error(`invariant: partition ${partition} read at offset ${offset}, below the offsets it let go (${kept})`);
}
