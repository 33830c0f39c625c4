import type { BrokerContext } from "../broker.js";
import type { Coordinator, MemberClient } from "./coordinator.js";
import type { ReadIsolation } from "./isolation.js";
import { Lanes } from "./lanes.js";
import type { TopicLog } from "./log.js";
import type { Member, PollBatch } from "./member.js";
import type { GroupOffsets } from "./offsets.js";
import type { Cluster } from "./replication.js";
import type { KafkaOptions } from "./settings.js";
import type { StageTransactions } from "./stage-transactions.js";
import { PollWatchdog } from "./watchdog.js";

/**
 * The consumers' KafkaConsumer side: the poll loop, offsets commits and the
 * poll-interval watchdog, run inside the broker because the generic consumer
 * only processes and acks. An ack here means "processed"; what it commits
 * depends on the commit mode.
 *
 * A poll returns up to max.poll.records records, partition by partition in
 * offset order, starting where the last poll left off. The next poll comes
 * when the last record of the batch is acked. A poll that finds nothing
 * waits (a long poll) until a record arrives. Auto-commit commits the
 * positions at the first poll after auto.commit.interval.ms; an idle consumer
 * polls every fetch.max.wait.ms, and those commits are applied lazily, when
 * something next touches the consumer, so that idle consumers schedule no
 * events and a finished run ends.
 *
 * With concurrency 1 the whole batch is handed over at once and processed in
 * order; with more, through per-partition lanes (lanes.ts).
 */
export class ConsumerClients implements MemberClient {
  private readonly current: (Member | null)[];
  /** Crashed members the coordinator still counts: acks already on the wire from them still commit. */
  private readonly dead: Member[] = [];
  private readonly lastCommitAt: Float64Array;
  private up = true;
  /** Which partitions can be fetched now, and up to where (the high watermark). */
  private cluster!: Pick<Cluster, "available" | "highWatermark">;
  private readonly memberOf = (serial: number): Member => this.coordinator.member(serial);
  private readonly watchdog: PollWatchdog;
  private readonly lanes: Lanes;
  private readonly onPollDue = (serial: number): void => {
    const member = this.coordinator.member(serial);
    member.pollPending = false;
    if (member.alive && !member.busy) this.poll(member);
  };

  constructor(
    private readonly context: BrokerContext,
    private readonly options: KafkaOptions,
    private readonly log: TopicLog,
    private readonly offsets: GroupOffsets,
    private readonly coordinator: Coordinator,
    private readonly isolation: ReadIsolation,
    /** With transactional stages: their onward records commit and abort with the consumer's transaction. */
    private readonly stageTransactions: StageTransactions | null = null,
  ) {
    this.current = new Array<Member | null>(context.consumers.length).fill(null);
    this.lastCommitAt = new Float64Array(context.consumers.length);
    this.watchdog = new PollWatchdog(context.sim, options.maxPollInterval, this.memberOf, (member) =>
      coordinator.leave(member),
    );
    this.lanes = new Lanes(context, options.partitions, this.memberOf);
  }

  connect(cluster: Pick<Cluster, "available" | "highWatermark">): void {
    this.cluster = cluster;
  }

  /** Every consumer instance joins its group when the run starts. */
  joinAll(): void {
    for (const consumer of this.context.consumers) {
      this.current[consumer.index] = this.coordinator.join(consumer.index, consumer.group);
    }
  }

  wake(member: Member): void {
    if (!member.alive || !member.parked || member.busy || member.pollPending) return;
    this.catchUp(member);
    this.poll(member);
  }

  /**
   * Records became readable (appended, or a transaction ended): the partition's
   * owner in each group, if waiting in poll() and not already past them, gets them now.
   */
  dataArrived(partition: number): void {
    const readableEnd = this.readableEnd(partition);
    // An index loop: this runs on every append, and a forEach callback would be made each time.
    const groups = this.coordinator.groups;
    for (let group = 0; group < groups.length; group++) {
      const ownership = groups[group]!.ownership;
      const owner = ownership.owner[partition];
      if (!owner?.parked || ownership.revoking[partition] !== 0) continue;
      if (this.offsets.position[group]![partition]! >= readableEnd) continue;
      this.wake(owner);
    }
  }

  /** Where polls of `partition` stop: the high watermark (what every in-sync replica has), or the LSO before it. */
  private readableEnd(partition: number): number {
    return this.isolation.end(partition, this.cluster.highWatermark[partition]!);
  }

  catchUp(member: Member): void {
    const { autoCommitInterval, fetchMaxWait } = this.options;
    if (!this.options.autoCommit || !member.parked || !member.alive || !member.inGroup || !this.up) return;
    const now = this.context.sim.now;
    const due = this.lastCommitAt[member.consumer]! + autoCommitInterval;
    // The idle consumer's polls fall every fetch.max.wait.ms after it started waiting.
    const first =
      fetchMaxWait > 0 ? member.parkedAt + Math.ceil((due - member.parkedAt) / fetchMaxWait) * fetchMaxWait : due;
    if (first > now) return;
    this.commitPositions(member);
    const step = fetchMaxWait > 0 ? Math.ceil(autoCommitInterval / fetchMaxWait) * fetchMaxWait : autoCommitInterval;
    this.lastCommitAt[member.consumer] = step > 0 ? first + Math.floor((now - first) / step) * step : now;
  }

  commitPositions(member: Member): void {
    const position = this.offsets.position[member.group]!;
    for (const partition of member.owned) {
      if (this.coordinator.accepts(member, partition)) {
        this.offsets.commit(member.group, partition, position[partition]!);
      }
    }
  }

  forget(member: Member): void {
    this.watchdog.stop(member);
    if (member.alive) return;
    this.closeDeliveries(member);
    this.dead.splice(this.dead.indexOf(member), 1);
  }

  /** Visits every record a member's lanes have yet to hand to its consumer (lanes.ts), members gone included. */
  forEachUnsent(visit: (message: number) => void): void {
    for (const member of this.coordinator.everyMember) this.lanes.forEachUnsent(member, visit);
  }

  /** An ack (processed) or nack (processing failed) reached the broker. */
  settle(delivery: number, failed: boolean): void {
    const { deliveries, messages } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const message = deliveries.message(delivery);
    const member = this.memberOfDelivery(deliveries.consumer(delivery), deliveries.incarnation(delivery));
    deliveries.close(delivery);
    if (member === null) return;
    const partition = messages.partition[messages.slot(message)]!;
    if (failed) this.skip(message, member.group);
    // Only after-processing commits per record; the other modes need not look the record up in the log.
    if (
      this.options.commit === "after-processing" &&
      this.log.holds(partition, message) &&
      this.coordinator.accepts(member, partition)
    ) {
      this.offsets.commit(member.group, partition, this.log.offsetOf(message) + 1);
    }
    if (!member.alive) return;
    this.lanes.acked(member, partition);
    if (--member.outstanding > 0) return;
    if (member.handingOut) member.finishedWhileHanding = true;
    else this.batchDone(member);
  }

  consumerDown(consumer: number): void {
    const member = this.current[consumer];
    this.current[consumer] = null;
    if (!member) return;
    // The crash aborts the member's open transaction: what it wrote is never seen downstream.
    if (this.options.commit === "transactional") {
      this.context.effects.discard(consumer, member.incarnation);
      this.stageTransactions?.crashed(consumer, member.incarnation);
    }
    this.catchUp(member);
    member.busy = false;
    member.parked = false;
    member.lanes = null;
    this.watchdog.stop(member);
    if (member.inGroup) {
      this.dead.push(member);
      this.coordinator.crashed(member);
    } else {
      member.alive = false;
      this.closeDeliveries(member);
    }
  }

  /** The application stops polling; it finishes the records it is processing (see consumerClosed). */
  consumerStopping(consumer: number): void {
    const member = this.current[consumer];
    if (member) member.stopping = true;
  }

  /**
   * close(): with auto-commit it commits the position, which a well-behaved
   * application that stopped mid-batch has first moved back (seek) to its
   * first unprocessed record in each partition; then LeaveGroup, so the
   * rebalance starts now instead of after session.timeout.ms. Manual commits
   * need nothing more: after-processing committed each processed record,
   * before-processing the whole batch (so its unprocessed rest is skipped).
   * transactional commits the open transaction with those same positions, so
   * the records it processed keep their effects and the rest is re-read.
   * With the broker down, LeaveGroup cannot reach it: the session expires.
   */
  consumerClosed(consumer: number): void {
    const member = this.current[consumer];
    this.current[consumer] = null;
    if (!member) return;
    if (this.options.commit === "transactional") this.commitTransaction(member, true);
    else if (this.up && member.inGroup && this.options.autoCommit) this.commitProcessed(member);
    member.alive = false;
    member.busy = false;
    member.parked = false;
    this.watchdog.stop(member);
    if (!member.inGroup) this.closeDeliveries(member);
    else {
      // Until the coordinator removes it, acks from it still commit (forget() then takes it out).
      this.dead.push(member);
      if (this.up) this.coordinator.leave(member);
      else this.coordinator.crashed(member);
    }
    member.lanes = null;
  }

  consumerUp(consumer: number): void {
    this.lastCommitAt[consumer] = this.context.sim.now;
    this.current[consumer] = this.coordinator.join(consumer, this.context.consumers[consumer]!.group);
  }

  brokerDown(): void {
    for (const member of this.current) if (member) this.catchUp(member);
    this.up = false;
  }

  /** The broker is back: consumers waiting in poll() poll again (their failed polls committed nothing). */
  brokerUp(): void {
    this.up = true;
    for (const member of this.current) {
      if (member?.alive && member.parked && !member.busy) this.poll(member);
    }
  }

  private poll(member: Member): void {
    if (!member.alive || member.stopping) return;
    const consumer = member.consumer;
    if (!member.inGroup) {
      // Kicked for a slow batch: the next poll joins the group again, as a new member.
      this.current[consumer] = this.coordinator.join(consumer, member.group);
      return;
    }
    member.parked = false;
    if (!this.up) {
      this.park(member);
      return;
    }
    // Kafka's order inside poll(): rebalance work (revocation, rejoining) first, then the periodic auto-commit.
    if (this.options.strategy === "cooperative-sticky") this.coordinator.releaseRevoked(member);
    if (member.mustRejoin) this.coordinator.rejoin(member);
    const now = this.context.sim.now;
    if (this.options.autoCommit && now >= this.lastCommitAt[consumer]! + this.options.autoCommitInterval) {
      this.commitPositions(member);
      this.lastCommitAt[consumer] = now;
    }
    const batch = this.gather(member);
    if (batch.length === 0) this.park(member);
    else this.handOut(member, batch);
  }

  /**
   * The member's poll buffer, emptied: one per member, reused poll after poll (lanes get a copy, which they
   * keep). A poll while the last batch is still being handed over gets a buffer of its own.
   */
  private pollBuffer(member: Member): PollBatch {
    if (member.handingOut) return { records: [], length: 0 };
    const buffer = member.pollBuffer;
    buffer.length = 0;
    return buffer;
  }

  private park(member: Member): void {
    member.parked = true;
    member.parkedAt = this.context.sim.now;
  }

  /** Up to max.poll.records records from the member's partitions, one partition after another. */
  private gather(member: Member): PollBatch {
    const batch = this.pollBuffer(member);
    const owned = member.owned;
    if (owned.length === 0) return batch;
    const max = this.options.maxPollRecords;
    const position = this.offsets.position[member.group]!;
    const first = member.nextPartition % owned.length;
    let filled = -1;
    let passedOver = 0;
    for (let k = 0; k < owned.length && batch.length < max; k++) {
      const index = (first + k) % owned.length;
      const partition = owned[index]!;
      if (!this.coordinator.fetches(member, partition) || !this.cluster.available(partition)) continue;
      this.offsets.prepareRead(member.group, partition);
      const end = this.readableEnd(partition);
      while (position[partition]! < end && batch.length < max) {
        const message = this.log.message(partition, position[partition]!);
        position[partition]!++;
        if (this.isolation.skips(message)) passedOver++;
        else batch.records[batch.length++] = message;
      }
      if (batch.length === max) filled = index;
    }
    member.nextPartition = filled >= 0 ? filled : first + 1;
    if (passedOver > 0) this.offsets.returned(member.group, passedOver);
    return batch;
  }

  private handOut(member: Member, batch: PollBatch): void {
    const now = this.context.sim.now;
    member.busy = true;
    member.outstanding = batch.length;
    member.batchStartedAt = now;
    this.offsets.returned(member.group, batch.length);
    // commitSync() right after poll() returns, before processing: at-most-once.
    if (this.options.commit === "before-processing") this.commitPositions(member);
    this.watchdog.start(member);
    member.handingOut = true;
    member.finishedWhileHanding = false;
    if (this.context.consumers[member.consumer]!.capacity > 1) this.lanes.open(member, batch.records, batch.length);
    else {
      for (let index = 0; index < batch.length; index++) {
        if (!member.alive) break;
        this.context.deliver(batch.records[index]!, member.consumer);
      }
    }
    member.handingOut = false;
    if (member.finishedWhileHanding) this.batchDone(member);
  }

  /**
   * The next poll runs in an event of its own, at the same instant. An ack can
   * arrive inside the consumer's own call (zero network latency); handing it
   * new records right there would let it start more than its concurrency.
   */
  private batchDone(member: Member): void {
    if (this.options.commit === "transactional") this.commitTransaction(member);
    member.busy = false;
    this.watchdog.stop(member);
    member.pollPending = true;
    this.context.sim.schedule(0, this.onPollDue, member.serial);
  }

  /**
   * commit: transactional, at the end of a batch: sendOffsetsToTransaction with
   * the member's positions, then commitTransaction, which makes the batch's
   * side effects visible. It fails, aborting the transaction, when the member
   * is no longer in the group or lost one of its partitions (a kicked zombie:
   * ProducerFencedException / CommitFailedException), or the broker is down.
   */
  private commitTransaction(member: Member, processedOnly = false): void {
    const { effects, sim } = this.context;
    if (!this.up || !member.inGroup || this.lostAPartition(member)) {
      effects.discard(member.consumer, member.incarnation);
      this.stageTransactions?.abort(member.consumer, member.incarnation);
      return;
    }
    // The offsets sent to the transaction: a closing member's processed records only, else its positions.
    if (processedOnly) this.commitProcessed(member);
    else this.commitPositions(member);
    effects.commit(member.consumer, member.incarnation, sim.now);
    this.stageTransactions?.commit(member.consumer, member.incarnation);
  }

  /** Whether the coordinator no longer takes the member's commits for one of its partitions (a fenced zombie). */
  private lostAPartition(member: Member): boolean {
    for (const partition of member.owned) if (!this.coordinator.accepts(member, partition)) return true;
    return false;
  }

  /** A record whose processing failed: the application logs it and moves on (Kafka has no per-record nack). */
  private skip(message: number, group: number): void {
    const { messages } = this.context;
    const row = messages.slot(message);
    if (messages.consumedBy[group]![row]! > 0 || messages.fate[group]![row] !== 0) return;
    this.context.drop(message, group, "processing-failed");
  }

  private memberOfDelivery(consumer: number, incarnation: number): Member | null {
    const current = this.current[consumer];
    if (current && current.incarnation === incarnation) return current;
    for (const member of this.dead) {
      if (member.consumer === consumer && member.incarnation === incarnation) return member;
    }
    return null;
  }

  /** Commits, per owned partition, the first record the member has not processed, or its position. */
  private commitProcessed(member: Member): void {
    const { deliveries, messages } = this.context;
    const position = this.offsets.position[member.group]!;
    const next = Int32Array.from(position);
    const unprocessed = (message: number): void => {
      const partition = messages.partition[messages.slot(message)]!;
      next[partition] = Math.min(next[partition]!, this.log.offsetOf(message));
    };
    deliveries.forEachOpen((delivery) => {
      const mine = deliveries.consumer(delivery) === member.consumer;
      if (mine && deliveries.incarnation(delivery) === member.incarnation) unprocessed(deliveries.message(delivery));
    });
    this.lanes.firstUnsent(member, unprocessed);
    for (const partition of member.owned) {
      if (this.coordinator.accepts(member, partition)) this.offsets.commit(member.group, partition, next[partition]!);
    }
  }

  /** Takes back what a gone member held: those records are returned again from the committed offset. */
  private closeDeliveries(member: Member): void {
    const { deliveries } = this.context;
    const held: number[] = [];
    deliveries.forEachOpen((delivery) => {
      if (
        deliveries.consumer(delivery) === member.consumer &&
        deliveries.incarnation(delivery) === member.incarnation
      ) {
        held.push(delivery);
      }
    });
    for (const delivery of held) deliveries.close(delivery);
  }
}
