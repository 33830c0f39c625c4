import { Fate } from "../../model/messages.js";
import type { Broker, BrokerContext, BrokerFailure } from "../broker.js";
import { ConsumerClients } from "./clients.js";
import { Coordinator } from "./coordinator.js";
import { Intake } from "./intake.js";
import { ReadIsolation } from "./isolation.js";
import { TopicLog } from "./log.js";
import { GroupOffsets } from "./offsets.js";
import { Cluster } from "./replication.js";
import { RetryTopics } from "./retry-topics.js";
import type { KafkaOptions } from "./settings.js";
import { StageTransactions } from "./stage-transactions.js";
import { type TopicLayout, topicLayout } from "./topics.js";
import { ProducerTransactions } from "./transactions.js";

/**
 * Apache Kafka (4.0 defaults): one topic of `partitions` partitions on a
 * cluster of `brokers` brokers, read by every scenario consumer group as a
 * Kafka consumer group with its own committed offsets; with pipeline stages,
 * one more topic per group a stage feeds (topics.ts). See docs/brokers/kafka.md.
 *
 * Replication, leadership and the high watermark are in replication.ts. A
 * partition whose leader is down is offline: writes are refused and nothing
 * is fetched. The group coordinator stays available while any broker is up.
 * A broker's log lives in the page cache, which a process crash keeps.
 */
export function createKafkaBroker(context: BrokerContext, options: KafkaOptions): Broker {
  return new KafkaBroker(context, options);
}

class KafkaBroker implements Broker {
  private readonly log: TopicLog;
  private readonly layout: TopicLayout;
  private readonly cluster: Cluster;
  private readonly offsets: GroupOffsets;
  private readonly coordinator: Coordinator;
  private readonly clients: ConsumerClients;
  private readonly intake: Intake;
  /** Null unless producers are transactional (transaction.interval.ms is set). */
  private readonly transactions: ProducerTransactions | null;
  /** Null until a consumer first hands a record back (`retry: {via: broker}`): nothing to check otherwise. */
  private retryTopics: RetryTopics | null = null;
  /** Null unless pipeline stages commit transactionally: their onward records join the consumer's transaction. */
  private readonly stageTransactions: StageTransactions | null;

  constructor(
    private readonly context: BrokerContext,
    options: KafkaOptions,
  ) {
    const layout = topicLayout(context, options.partitions);
    this.layout = layout;
    // Everything kept per partition spans every topic's partitions; only the partitioner and the assignors see one topic.
    const spanned = layout.single ? options : { ...options, partitions: layout.partitions };
    // Retention deletes, within the run, only records accepted by its last instant less retention.ms.
    this.log = new TopicLog(layout.partitions, context.messages, context.horizon - options.retention);
    this.offsets = new GroupOffsets(context, spanned, this.log, layout);
    this.coordinator = new Coordinator(context, spanned, this.offsets, layout);
    const interval = options.transactionInterval;
    this.transactions =
      interval === null
        ? null
        : new ProducerTransactions(
            context,
            { ...options, transactionInterval: interval },
            () => this.cluster.anyUp,
            (partition) => this.clients.dataArrived(partition),
          );
    const staged = options.commit === "transactional" && (context.routing.stageFedGroups?.length ?? 0) > 0;
    this.stageTransactions = staged
      ? new StageTransactions(context, (partition) => this.clients.dataArrived(partition))
      : null;
    const isolation = new ReadIsolation(this.transactions, options.readCommitted, this.stageTransactions);
    this.clients = new ConsumerClients(
      context,
      spanned,
      this.log,
      this.offsets,
      this.coordinator,
      isolation,
      this.stageTransactions,
    );
    this.coordinator.connect(this.clients);
    // Consume-transform-produce: a group's side effects are its output writes, visible only once committed.
    if (options.commit === "transactional") {
      for (let group = 0; group < context.groupCount; group++) context.effects.holdUntilCommit(group);
    }
    this.cluster = new Cluster(context, spanned, this.log, {
      readable: (partition) => this.clients.dataArrived(partition),
      truncate: (partition, end, reason) => this.offsets.truncated(partition, end, reason),
      clusterDown: () => {
        this.clients.brokerDown();
        this.coordinator.brokerDown();
      },
      clusterUp: () => {
        this.coordinator.brokerUp();
        this.clients.brokerUp();
      },
    });
    this.clients.connect(this.cluster);
    this.intake = new Intake(context, options, this.cluster, (message) => this.append(message), layout);
    this.clients.joinAll();
  }

  publish(message: number): void {
    // An onward record from a crashed stage consumer's fenced epoch is refused here.
    if (this.stageTransactions?.arrived(message) === false) return;
    this.intake.publish(message);
  }

  ack(delivery: number): void {
    if (this.retryTopics?.settle(delivery, "ack")) return;
    this.clients.settle(delivery, false);
  }

  nack(delivery: number): void {
    if (this.retryTopics?.settle(delivery, "nack")) return;
    this.clients.settle(delivery, true);
  }

  /**
   * A non-blocking retry (retry-topics.ts): the consumer publishes the record to the retry topic of its
   * attempt, then commits past it like an ack, so the partition moves on. A commit that a crash forestalls
   * (auto-commit's interval) brings the original back as well: the record is processed twice.
   */
  retryLater(delivery: number, delayMicros: number): void {
    this.retryTopics ??= new RetryTopics(this.context, this.log.partitions, {
      ownerOf: (group, partition) => this.coordinator.ownerOf(group, partition),
      available: () => this.cluster.anyUp,
    });
    if (this.retryTopics.settle(delivery, "retry", delayMicros)) return;
    const { deliveries, consumers, messages } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const message = deliveries.message(delivery);
    const group = consumers[deliveries.consumer(delivery)]!.group;
    const attempt = messages.deliveryCount[group]![messages.slot(message)]!;
    this.clients.settle(delivery, false);
    this.retryTopics.publish(message, group, attempt, delayMicros);
  }

  consumerDown(consumer: number): void {
    this.clients.consumerDown(consumer);
    this.retryTopics?.consumerDown(consumer);
  }

  consumerStopping(consumer: number): void {
    this.clients.consumerStopping(consumer);
  }

  consumerClosed(consumer: number): void {
    this.clients.consumerClosed(consumer);
  }

  consumerUp(consumer: number): void {
    this.clients.consumerUp(consumer);
  }

  /**
   * One broker (0-based), or every broker of the cluster when `node` is not given. A process crash keeps
   * every record written (the page cache survives); a host crash keeps what is older than pageCacheFlush.
   */
  crash(failure: BrokerFailure, node?: number): void {
    const host = failure === "host";
    if (node !== undefined) this.cluster.crash(node, host);
    else for (let broker = 0; broker < this.cluster.brokers; broker++) this.cluster.crash(broker, host);
  }

  restart(node?: number): void {
    if (node !== undefined) this.cluster.restart(node);
    else for (let broker = 0; broker < this.cluster.brokers; broker++) this.cluster.restart(broker);
  }

  producerDown(producer: number): void {
    this.intake.producerDown(producer);
    this.transactions?.producerDown(producer);
  }

  producerUp(producer: number): void {
    this.intake.producerUp(producer);
    this.transactions?.producerUp(producer);
  }

  /**
   * Held for a group: every stored record from the group's committed offset
   * on (it will be returned again if not already), unless retention deleted
   * or dropped it, plus records consumers hold unprocessed.
   */
  forEachHeld(visit: (message: number, group: number) => void): void {
    const { messages, deliveries, consumers } = this.context;
    for (let group = 0; group < this.context.groupCount; group++) {
      const committed = this.offsets.committed[group]!;
      const fate = messages.fate[group]!;
      const dropped = (message: number): boolean => fate[messages.slot(message)] === Fate.dropped;
      const first = this.layout.topicOf(group).first;
      for (let partition = first; partition < first + this.layout.partitionsPerTopic; partition++) {
        const end = this.log.end[partition]!;
        for (let offset = Math.max(committed[partition]!, this.log.start[partition]!); offset < end; offset++) {
          const message = this.log.message(partition, offset);
          if (!dropped(message) && !this.offsets.isExpired(message)) visit(message, group);
        }
      }
    }
    deliveries.forEachOpen((delivery) => {
      visit(deliveries.message(delivery), consumers[deliveries.consumer(delivery)]!.group);
    });
    this.retryTopics?.forEachHeld(visit);
  }

  /**
   * Every partition's log from the lowest offset a group reading it has committed (or reads next): a rebalance returns
   * records from there again, and nothing below it is read again in a run the profile retires
   * (kafkaRetires: no failover cuts a log back and resets offsets to its start), so the log lets go of the
   * rest; retention reads only the acceptance times of what it lets go, which the log notes (TopicLog.keepFrom).
   * Returns the lowest id in what it keeps, in what members' lanes have yet to hand out (behind a commit made
   * before processing), and in the open transactions, producers' and stages', whose end reads their records.
   */
  releaseRead(): number {
    const { log, offsets } = this;
    let oldest = Number.POSITIVE_INFINITY;
    const older = (message: number): void => {
      if (message < oldest) oldest = message;
    };
    for (let partition = 0; partition < log.partitions; partition++) {
      const end = log.end[partition]!;
      // Followers fetch from the high watermark on (every replica stays in the ISR without a broker crash), which
      // a group reset to the log end by auto.offset.reset: latest has passed.
      let from = this.cluster.highWatermark[partition]!;
      // The position too: a dead member's late ack may commit past where the partition's new owner reads.
      for (const group of this.layout.readersOf(partition)) {
        let reads = Math.min(offsets.committed[group]![partition]!, offsets.position[group]![partition]!);
        // Below the log start a group looks again only at what retention deleted behind its position.
        if (reads < log.start[partition]! && reads > offsets.deletedBehind[group]![partition]!)
          reads = log.start[partition]!;
        from = Math.min(from, reads);
      }
      log.keepFrom(partition, from);
      // From what the log keeps, deleted records too: a group resuming below the log start may drop them then.
      for (let offset = log.keptFrom(partition); offset < end; offset++) older(log.message(partition, offset));
    }
    this.clients.forEachUnsent(older);
    if (this.transactions !== null) older(this.transactions.oldestHeld());
    if (this.stageTransactions !== null) older(this.stageTransactions.oldestHeld());
    return oldest;
  }

  /** The leader appends a record; with acks=all and followers in the ISR, its confirm waits for them. */
  private append(message: number): void {
    const stageRecord = this.stageTransactions?.holds(message) === true;
    // A stage's onward record whose transaction aborted before the leader got to it: never written.
    if (stageRecord && this.stageTransactions!.abortedUnwritten(message)) {
      this.context.reject(message);
      return;
    }
    // A transactional producer's retry of a record its open transaction already holds: the sequence number gives it away.
    if (this.transactions?.isOpen(message)) return;
    const { messages } = this.context;
    const partition = messages.partition[messages.slot(message)]!;
    // A transactional producer's (or stage's) records are confirmed when their transaction commits, not when written.
    const producerRecord = this.transactions !== null && !stageRecord && !this.isOnward(message);
    const confirmNow = !producerRecord && !stageRecord && this.cluster.confirmsOnAppend(partition);
    const confirmLater = !producerRecord && !stageRecord && !confirmNow;
    if (confirmNow) this.context.accept(message);
    this.offsets.expire(partition);
    const offset = this.log.append(partition, message, this.context.sim.now);
    if (producerRecord) this.transactions!.written(message, partition, offset);
    else if (stageRecord) this.stageTransactions!.written(message, partition, offset);
    this.offsets.appended(partition);
    this.cluster.appended(partition, message, confirmLater);
  }

  /** A stage's onward message: it never joins a producer's transaction (the stage is a producer of its own). */
  private isOnward(message: number): boolean {
    return (this.context.routing.stageTargetOf?.(message) ?? -1) >= 0;
  }
}
