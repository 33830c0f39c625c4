import { withRoomFor } from "../../model/growable.js";

/**
 * The topic: one append-only log per partition. A record's offset is its
 * index in its partition's log. Consuming removes nothing; only retention
 * moves a partition's start forward. Logs hold message ids, and a
 * message-indexed table gives each record's offset back.
 */
export class TopicLog {
  private readonly records: Int32Array[];
  /** Per partition and offset: when the leader appended the record (microseconds), for what a host crash keeps. */
  private readonly appendTimes: Float64Array[];
  /** Per partition: the oldest offset still stored (the log start offset). */
  readonly start: Int32Array;
  /** Per partition: the offset the next record gets (the log end offset). */
  readonly end: Int32Array;
  private offsets = new Int32Array(1024);

  constructor(readonly partitions: number) {
    this.records = Array.from({ length: partitions }, () => new Int32Array(256));
    this.appendTimes = Array.from({ length: partitions }, () => new Float64Array(256));
    this.start = new Int32Array(partitions);
    this.end = new Int32Array(partitions);
  }

  append(partition: number, message: number, now: number): number {
    const offset = this.end[partition]!;
    let log = this.records[partition]!;
    if (offset === log.length) {
      const grown = new Int32Array(log.length * 2);
      grown.set(log);
      log = grown;
      this.records[partition] = log;
      const times = new Float64Array(log.length);
      times.set(this.appendTimes[partition]!);
      this.appendTimes[partition] = times;
    }
    log[offset] = message;
    this.appendTimes[partition]![offset] = now;
    if (message >= this.offsets.length) this.growOffsets(message);
    this.offsets[message] = offset;
    this.end[partition] = offset + 1;
    return offset;
  }

  message(partition: number, offset: number): number {
    return this.records[partition]![offset]!;
  }

  /** The first offset of `partition` appended after `time` (the log end if none): what a host crash at a later instant may lose. */
  firstAppendedAfter(partition: number, time: number): number {
    const times = this.appendTimes[partition]!;
    let low = this.start[partition]!;
    let high = this.end[partition]!;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (times[middle]! <= time) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  offsetOf(message: number): number {
    return this.offsets[message]!;
  }

  /** Whether `message` is still in its partition's log (a leader failover may have cut it off). */
  holds(partition: number, message: number): boolean {
    const offset = this.offsets[message]!;
    return offset < this.end[partition]! && this.records[partition]![offset] === message;
  }

  /** A new leader's log ends at `end`: records from there on are gone, and the next append gets offset `end`. */
  truncate(partition: number, end: number): void {
    this.end[partition] = Math.max(end, this.start[partition]!);
  }

  /**
   * Deletes, from the head of a partition, every record accepted at or before
   * `cutoff`, calling `deleted(offset)` for each first. Records were appended
   * in acceptance order, so the oldest are always at the head.
   */
  /** Whether `expire` would delete anything: checked first, so the common case makes no callback. */
  hasExpired(partition: number, acceptedAt: Float64Array, cutoff: number): boolean {
    const start = this.start[partition]!;
    return start < this.end[partition]! && acceptedAt[this.records[partition]![start]!]! <= cutoff;
  }

  expire(partition: number, acceptedAt: Float64Array, cutoff: number, deleted: (offset: number) => void): number {
    const log = this.records[partition]!;
    const end = this.end[partition]!;
    let start = this.start[partition]!;
    const before = start;
    while (start < end && acceptedAt[log[start]!]! <= cutoff) {
      deleted(start);
      start++;
    }
    this.start[partition] = start;
    return start - before;
  }

  private growOffsets(message: number): void {
    this.offsets = withRoomFor(this.offsets, message);
  }
}
