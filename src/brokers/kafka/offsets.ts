import { Fate, PublishOutcome } from "../../model/messages.js";
import type { BrokerContext } from "../broker.js";
import type { TopicLog } from "./log.js";
import type { KafkaOptions } from "./settings.js";
import type { TopicLayout } from "./topics.js";

/**
 * Each consumer group's place in each partition: the committed offset (what
 * survives a crash or a rebalance) and the position (the next offset to
 * return to the partition's current owner). Every scenario group is taken to
 * exist already, committed at the start of the empty topic, so a group reads
 * from the beginning and `auto.offset.reset` only applies once retention has
 * deleted records a group had not committed. Also owns retention, which is
 * applied lazily: a partition drops its expired head whenever it is appended
 * to or read, so no timer keeps a finished run alive.
 */
export class GroupOffsets {
  readonly committed: Int32Array[];
  readonly position: Int32Array[];
  /**
   * Per group and partition: the highest offset retention deleted while the group's position was past it (handed
   * out, or passed over), or -1. A record deleted at or past the position was dropped for the group then, so a
   * resume below the log start has only those up to here to look at again.
   */
  readonly deletedBehind: Int32Array[];
  /** Per group: records not yet returned to any member (the consumer lag). */
  private readonly lag: Float64Array;

  constructor(
    private readonly context: BrokerContext,
    private readonly options: KafkaOptions,
    private readonly log: TopicLog,
    /** The topics: a group reads, lags and loses records only on its own. */
    private readonly layout: TopicLayout,
  ) {
    const groups = context.groupCount;
    this.committed = Array.from({ length: groups }, () => new Int32Array(options.partitions));
    this.position = Array.from({ length: groups }, () => new Int32Array(options.partitions));
    this.deletedBehind = Array.from({ length: groups }, () => new Int32Array(options.partitions).fill(-1));
    this.lag = new Float64Array(groups);
  }

  commit(group: number, partition: number, offset: number): void {
    const committed = this.committed[group]!;
    if (offset > committed[partition]!) committed[partition] = offset;
  }

  /** A new owner starts at the committed offset: records returned since then will be returned again. */
  resume(group: number, partition: number): void {
    this.expire(partition);
    this.position[group]![partition] = this.committed[group]![partition]!;
    this.resetIfDeleted(group, partition);
    this.refreshLag(group);
  }

  /** Before reading a partition: retention first, then auto.offset.reset if the position was deleted. */
  prepareRead(group: number, partition: number): void {
    this.expire(partition);
    if (this.resetIfDeleted(group, partition)) this.refreshLag(group);
  }

  /** A record was appended to `partition`: every group reading its topic has one more to read. */
  appended(partition: number): void {
    const { observer, sim } = this.context;
    for (const group of this.layout.readersOf(partition)) {
      this.lag[group]!++;
      observer.depthChanged(group, this.lag[group]!, sim.now);
    }
  }

  /** `count` records were returned to a member of `group`. */
  returned(group: number, count: number): void {
    this.lag[group]! -= count;
    this.context.observer.depthChanged(group, this.lag[group]!, this.context.sim.now);
  }

  /**
   * Deletes a partition's records older than retention.ms. A record a group
   * had not been handed yet and never consumed is dropped for that group.
   */
  expire(partition: number): void {
    const { options, log, context } = this;
    if (options.retention === Number.POSITIVE_INFINITY) return;
    const cutoff = context.sim.now - options.retention;
    // This runs on every append; the callback below is made only when a record is in fact deleted. Acceptance
    // times are never negative, so before the first retention period has passed nothing can be due.
    if (cutoff < 0 || !log.hasExpired(partition, cutoff)) return;
    const readers = this.layout.readersOf(partition);
    const deleted = log.expire(partition, cutoff, (offset) => {
      for (const group of readers) {
        if (offset >= this.position[group]![partition]!) this.dropUnread(group, partition, offset, "retention");
        else this.deletedBehind[group]![partition] = offset;
      }
    });
    if (deleted > 0) for (const group of readers) this.refreshLag(group);
  }

  /**
   * A leader failover cut the partition's log back to `end`. Accepted records
   * past it are lost to every group that had not consumed them. A position or
   * commit past the new end is out of range (OffsetOutOfRange): the group
   * resumes per auto.offset.reset, at the new end or at the log start.
   */
  truncated(partition: number, end: number, reason: string): void {
    const { messages } = this.context;
    const readers = this.layout.readersOf(partition);
    for (let offset = end; offset < this.log.end[partition]!; offset++) {
      if (messages.outcome[messages.slot(this.log.message(partition, offset))] !== PublishOutcome.accepted) continue;
      for (const group of readers) this.dropUnread(group, partition, offset, reason);
    }
    this.log.truncate(partition, end);
    const resumeAt = this.options.autoOffsetReset === "latest" ? this.log.end[partition]! : this.log.start[partition]!;
    for (const group of readers) {
      if (this.position[group]![partition]! > this.log.end[partition]!) this.position[group]![partition] = resumeAt;
      if (this.committed[group]![partition]! > this.log.end[partition]!) this.committed[group]![partition] = resumeAt;
      this.refreshLag(group);
    }
  }

  /** Whether a record is past retention, deleted or not yet swept. */
  isExpired(message: number): boolean {
    const { messages, sim } = this.context;
    return messages.acceptedAt[messages.slot(message)]! <= sim.now - this.options.retention;
  }

  /**
   * A position below the log start was deleted (OffsetOutOfRange). Records
   * deleted unconsumed are lost to retention; with `latest` the group also
   * skips everything still stored, losing that too.
   */
  private resetIfDeleted(group: number, partition: number): boolean {
    const position = this.position[group]!;
    const start = this.log.start[partition]!;
    if (position[partition]! >= start) return false;
    // Past the last record deleted behind the position, each was dropped for the group as it was deleted; and so
    // was each the log let go (KafkaBroker.releaseRead keeps the rest).
    const behind = Math.min(start, this.deletedBehind[group]![partition]! + 1);
    for (let offset = Math.max(position[partition]!, this.log.keptFrom(partition)); offset < behind; offset++) {
      this.dropUnread(group, partition, offset, "retention");
    }
    position[partition] = start;
    if (this.options.autoOffsetReset === "latest") {
      const end = this.log.end[partition]!;
      for (let offset = start; offset < end; offset++) this.dropUnread(group, partition, offset, "auto.offset.reset");
      position[partition] = end;
    }
    return true;
  }

  private dropUnread(group: number, partition: number, offset: number, reason: string): void {
    const message = this.log.message(partition, offset);
    const { messages } = this.context;
    const row = messages.slot(message);
    if (messages.consumedBy[group]![row]! > 0 || messages.fate[group]![row] !== Fate.none) return;
    this.context.drop(message, group, reason);
  }

  private refreshLag(group: number): void {
    const { start, end } = this.log;
    const position = this.position[group]!;
    const first = this.layout.topicOf(group).first;
    let lag = 0;
    for (let p = first; p < first + this.layout.partitionsPerTopic; p++)
      lag += end[p]! - Math.max(position[p]!, start[p]!);
    this.lag[group] = lag;
    this.context.observer.depthChanged(group, lag, this.context.sim.now);
  }
}
