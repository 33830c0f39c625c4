import { withRoomFor } from "../../model/growable.js";
import { IntRing } from "../../model/int-ring.js";
import { type MessageColumn, PublishOutcome } from "../../model/messages.js";
import { isAlwaysZero, type Sampler, samplerFor } from "../../random/distributions.js";
import type { BrokerContext } from "../broker.js";
import { partitionForKeyIndex, StickyPartitioner } from "./partitioner.js";
import type { Cluster } from "./replication.js";
import type { KafkaOptions } from "./settings.js";
import { type TopicLayout, topicBaseOf } from "./topics.js";

/**
 * The producer side of Kafka, run where the publish reaches the broker (a
 * link never reorders, so each producer's records arrive in send order).
 *
 * - Partitioning: key index k is the string `key-k` hashed as the Java
 *   client's StringSerializer + murmur2 partitioner would; a null key goes
 *   through the producer instance's own sticky partitioner.
 * - Batching: with linger.ms > 0 a producer holds records until its oldest
 *   has waited linger.ms or a partition's batch reaches batch.size; then it
 *   sends every held batch at once, as Kafka's sender drains all partitions
 *   led by the broker it sends to. Records become visible only then.
 * - Capacity: each broker works through the records of the partitions it
 *   leads one at a time, in arrival order, with its own threads and disk: a
 *   record costs `serviceTime` plus its size times the replication factor at
 *   `writeBandwidth` (every replica writes it; leaderships are spread over the
 *   brokers, so each broker's followers' writes balance its own). The record
 *   is appended when its broker is done with it. So capacity grows with
 *   brokers (and partitions to spread over them) and falls with record size.
 * - Idempotence holds per producer session: a producer id lives as long as
 *   the producer process, and a restarted producer gets a new one
 *   (InitProducerId). A retry within the session of a record already written
 *   is confirmed, not appended again; the same record sent again by a
 *   restarted producer is a new record to the broker, and is written twice.
 * - The write: refused while the partition's leader is down or the partition
 *   is offline, and with acks=all while its ISR is smaller than
 *   min.insync.replicas (NotEnoughReplicas). Both errors are retriable: the
 *   producer's client (producer-client.ts) sends the record again until
 *   delivery.timeout.ms. With acks=0 nobody answers: the record is lost unseen.
 */
const MICROS_PER_SECOND = 1_000_000;

export class Intake {
  /**
   * Per key index: its partition plus one, or 0 until first hashed. A typed array, not a number[]: keys arrive
   * in random order, and an array written far past its end turns into a hash table (about 6% of a keyed 1M
   * Kafka run). Two bytes a key when partitions allow: keys are read in random order, one cache miss each, and
   * 65,536 keys then take 128 KiB instead of 256 KiB.
   */
  private keyPartitions: Uint16Array | Int32Array;
  private readonly sticky: (StickyPartitioner | undefined)[];
  private readonly held: IntRing[];
  /** Emptied batches, reused so that lingering allocates nothing per batch; a re-entrant send takes its own. */
  private readonly spareBatches: IntRing[] = [];
  private readonly heldBytes: Float64Array;
  private readonly lingerEvent: Float64Array;
  /** Per producer instance: its current session (producer id), bumped by each crash. */
  private readonly sessions: Int32Array;
  /** Per producer instance: 1 while it is down (what still arrives from it was sent by the session that died). */
  private readonly down: Uint8Array;
  /** Per message (message-table columns): the session that sent its latest copy to arrive, and the session that wrote it. */
  private readonly sentIn: MessageColumn<Int32Array>;
  private readonly writtenIn: MessageColumn<Int32Array>;
  /** Per broker: when it is done with the records already given to it (microseconds, not rounded). */
  private readonly busyUntil: Float64Array;
  private readonly recordTime: Sampler | null;
  private readonly onServed = (message: number): void => this.take(message);
  private readonly onLinger = (producer: number): void => {
    this.lingerEvent[producer] = -1;
    this.send(producer);
  };

  constructor(
    private readonly context: BrokerContext,
    private readonly options: KafkaOptions,
    private readonly cluster: Pick<Cluster, "refuses" | "awaitsConfirm" | "leaderOf" | "replicaCount">,
    /** Called for each record the leader takes: append it (and confirm it when acks and transactions allow). */
    private readonly append: (message: number) => void,
    /** The topics: `options.partitions` is each topic's count, and an onward message goes to its target's topic. */
    private readonly layout: TopicLayout,
  ) {
    const producers = context.names.producers.length;
    this.keyPartitions = options.partitions < 0xffff ? new Uint16Array(1024) : new Int32Array(1024);
    this.sticky = new Array<StickyPartitioner | undefined>(producers).fill(undefined);
    this.held = Array.from({ length: producers }, () => new IntRing());
    this.heldBytes = new Float64Array(producers * layout.partitions);
    this.lingerEvent = new Float64Array(producers).fill(-1);
    this.busyUntil = new Float64Array(options.brokers);
    this.sessions = new Int32Array(producers);
    this.down = new Uint8Array(producers);
    this.sentIn = context.messages.column((n) => new Int32Array(n));
    this.writtenIn = context.messages.column((n) => new Int32Array(n));
    const free = isAlwaysZero(options.recordTime) && options.writeBandwidth === Number.POSITIVE_INFINITY;
    this.recordTime = free ? null : samplerFor(options.recordTime, context.stream("service"));
  }

  /** A producer instance died: its producer id dies with it, and its restart begins a new session. */
  producerDown(producer: number): void {
    this.sessions[producer]!++;
    this.down[producer] = 1;
  }

  producerUp(producer: number): void {
    this.down[producer] = 0;
  }

  publish(message: number): void {
    const { messages } = this.context;
    const row = messages.slot(message);
    const producer = messages.producer[row]!;
    // A copy still on the network when its producer died was sent by the session that died.
    this.sentIn.values[row] = this.sessions[producer]! - this.down[producer]!;
    const base = topicBaseOf(this.layout, this.context, message);
    const partition = base + (base > 0 ? this.onwardPartition(message) : this.partitionFor(message));
    messages.partition[row] = partition;
    // A stage's onward message comes from the stage's own producer, which sends it at once (no linger of the root's producer).
    if (this.options.linger === 0 || base > 0) {
      this.write(message);
      return;
    }
    const held = this.held[producer]!;
    held.push(message);
    const slot = producer * this.layout.partitions + partition;
    this.heldBytes[slot]! += messages.size[row]!;
    if (held.length === 1)
      this.lingerEvent[producer] = this.context.sim.schedule(this.options.linger, this.onLinger, producer);
    if (this.heldBytes[slot]! >= this.options.batchSize) this.send(producer);
  }

  private send(producer: number): void {
    const event = this.lingerEvent[producer]!;
    if (event !== -1) {
      this.context.sim.cancel(event);
      this.lingerEvent[producer] = -1;
    }
    const batch = this.held[producer]!;
    this.held[producer] = this.spareBatches.pop() ?? new IntRing();
    this.heldBytes.fill(0, producer * this.layout.partitions, (producer + 1) * this.layout.partitions);
    while (batch.length > 0) this.write(batch.shift());
    this.spareBatches.push(batch);
  }

  /** A record reaches its partition's leader: refused at once, or queued for the leader's work. */
  private write(message: number): void {
    const { sim, messages } = this.context;
    const row = messages.slot(message);
    const partition = messages.partition[row]!;
    if (this.recordTime === null || this.cluster.refuses(partition)) {
      this.take(message);
      return;
    }
    const leader = this.cluster.leaderOf(partition);
    const bytes = messages.size[row]! * this.cluster.replicaCount(partition);
    const cost = Math.max(0, this.recordTime()) + (bytes * MICROS_PER_SECOND) / this.options.writeBandwidth;
    const done = Math.max(sim.now, this.busyUntil[leader]!) + cost;
    this.busyUntil[leader] = done;
    sim.schedule(Math.ceil(done) - sim.now, this.onServed, message);
  }

  /** The leader is done with the record (or it is refused): it is written, answered as a retry, or refused. */
  private take(message: number): void {
    const { messages } = this.context;
    const row = messages.slot(message);
    if (this.cluster.refuses(messages.partition[row]!)) {
      if (this.options.acks !== "0") this.context.refuse(message);
      return;
    }
    const sentIn = this.sentIn.values[row]!;
    const sameSession = this.options.idempotent && this.writtenIn.values[row] === sentIn;
    // A retry of a record this session already wrote: the idempotent producer's sequence number gives it away.
    if (sameSession && messages.outcome[row] === PublishOutcome.accepted) {
      this.context.confirmDuplicate(message);
      return;
    }
    // Written but not yet replicated to the whole ISR: its confirm is on the way.
    if (sameSession && this.cluster.awaitsConfirm(message)) return;
    this.writtenIn.values[messages.slot(message)] = sentIn;
    this.append(message);
  }

  /**
   * An onward message keeps its root's key, hashed as a producer's would be, so one key's messages stay in one
   * partition of every topic; a keyless one goes by its id (the stage's producer spreading its records, with
   * no draw from the root producer's sticky partitioner, whose draws stay as without stages).
   */
  private onwardPartition(message: number): number {
    const { messages } = this.context;
    const key = messages.key[messages.slot(message)]!;
    return key >= 0 ? this.partitionOfKey(key) : message % this.options.partitions;
  }

  private partitionFor(message: number): number {
    const { messages } = this.context;
    const row = messages.slot(message);
    const key = messages.key[row]!;
    if (key >= 0) return this.partitionOfKey(key);
    const producer = messages.producer[row]!;
    let sticky = this.sticky[producer];
    if (sticky === undefined) {
      const rng = this.context.stream(`sticky-partitioner:${this.context.names.producers[producer]}`);
      sticky = new StickyPartitioner(this.options.partitions, this.options.batchSize, rng);
      this.sticky[producer] = sticky;
    }
    return sticky.partitionFor(messages.size[row]!);
  }

  private partitionOfKey(key: number): number {
    if (key >= this.keyPartitions.length) this.keyPartitions = withRoomFor(this.keyPartitions, key);
    const known = this.keyPartitions[key]!;
    if (known > 0) return known - 1;
    const partition = partitionForKeyIndex(key, this.options.partitions);
    this.keyPartitions[key] = partition + 1;
    return partition;
  }
}
