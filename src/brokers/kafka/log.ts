import type { MessageColumn, MessageTable } from "../../model/messages.js";

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

  constructor(
    readonly partitions: number,
    private readonly messages: MessageTable,
  ) {
    this.offsets = messages.column((n) => new Int32Array(n));
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
   * Lets go of `partition`'s records below `offset` (up to its end): the caller guarantees nothing reads them
   * again (KafkaBroker.oldestRead). Reading one throws, as reading a retired message's row does.
   */
  keepFrom(partition: number, offset: number): void {
    this.kept[partition] = Math.max(this.kept[partition]!, Math.min(offset, this.end[partition]!));
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

  /** Whether `message` is still in its partition's log (a leader failover may have cut it off). */
  holds(partition: number, message: number): boolean {
    const offset = this.offsetOf(message);
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
    return start < this.end[partition]! && this.acceptedAt(this.message(partition, start)) <= cutoff;
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
    while (start < end && this.acceptedAt(this.message(partition, start)) <= cutoff) {
      deleted(start);
      start++;
    }
    this.start[partition] = start;
    return start - before;
  }

  private acceptedAt(message: number): number {
    return this.messages.acceptedAt[this.messages.slot(message)]!;
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
