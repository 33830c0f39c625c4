import type { BrokerContext } from "../broker.js";
import type { Member } from "./member.js";

/** How often a retry topic's reader looks again when the partition has no live owner (a rebalance under way). */
const OWNER_POLL_MICROS = 100_000;
/** A record handed to its consumer whose delivery handle `deliver` has not returned yet (zero latency). */
const DELIVERY_PENDING = -2;
const NONE = -1;

/** What the retry topics need of the rest of the Kafka model. */
export interface RetryTopicHost {
  /** The member owning `partition` of the main topic for `group` now, if any. */
  ownerOf(group: number, partition: number): Member | null;
  /** Whether any broker is up (a retry topic is read only then). */
  available(): boolean;
}

/** One retry topic partition's records, oldest first, each with the instant its delay ends. */
interface RetryPartition {
  group: number;
  partition: number;
  messages: number[];
  dueAt: number[];
  /** The delivery of the record being processed (one at a time), DELIVERY_PENDING, or NONE. */
  inFlight: number;
  inFlightMessage: number;
  /** The pending wake-up, or NONE. */
  timer: number;
}

/**
 * Spring Kafka's non-blocking retries (`@RetryableTopic`): a consumer that fails a record publishes it to
 * the retry topic of that attempt (`<topic>-retry-0`, `-retry-1`, ..., one per backoff level) with the
 * instant its delay ends, and commits past it, so the main partition moves on and the key's later records
 * overtake it. Each retry topic has the main topic's partitions (the record keeps its key, so its
 * partition) and is read by the same group: the member owning that partition of the main topic, as the
 * RangeAssignor co-partitions topics of one partition count. Its reader pauses the partition until the
 * head record is due (Spring's KafkaBackoffAwareMessageListenerAdapter), so a record waits for the ones
 * ahead of it, and processes one record at a time. An ack commits it; a nack logs and skips it (dropped,
 * as on the main topic); a further failure goes to the next level's topic.
 *
 * Simplified: the retry topics are not replicated (a broker crash keeps them; they are read only while a
 * broker is up), and a record a crashed member held goes back to the head of its partition, to be read by
 * the partition's next owner, without the uncommitted records after it.
 */
export class RetryTopics {
  /** By key `(level × groups + group) × partitions + partition`; created on first use. */
  private readonly topics = new Map<number, RetryPartition>();
  /** Records published to a retry topic, all levels together. */
  published = 0;

  constructor(
    private readonly context: BrokerContext,
    private readonly partitions: number,
    private readonly host: RetryTopicHost,
  ) {}

  /** A consumer of `group` failed `message` on its `attempt`-th delivery: it goes to that level's retry topic. */
  publish(message: number, group: number, attempt: number, delayMicros: number): void {
    const { messages, sim } = this.context;
    const partition = messages.partition[messages.slot(message)]!;
    const key = ((attempt - 1) * this.context.groupCount + group) * this.partitions + partition;
    let topic = this.topics.get(key);
    if (topic === undefined) {
      topic = { group, partition, messages: [], dueAt: [], inFlight: NONE, inFlightMessage: NONE, timer: NONE };
      this.topics.set(key, topic);
      this.byTimerKey.push(topic);
    }
    topic.messages.push(message);
    topic.dueAt.push(sim.now + delayMicros);
    this.published++;
    this.pump(topic);
  }

  /**
   * An ack, nack or hand-back reached the broker: true if it settles a retry topic's delivery (then it is
   * done here), false if the delivery is the main topic's.
   */
  settle(delivery: number, outcome: "ack" | "nack" | "retry", delayMicros = 0): boolean {
    const { deliveries, messages } = this.context;
    const topic = this.holding(delivery);
    if (topic === null) return false;
    if (!deliveries.isOpen(delivery)) return true;
    const message = deliveries.message(delivery);
    deliveries.close(delivery);
    topic.inFlight = NONE;
    topic.inFlightMessage = NONE;
    const group = topic.group;
    const row = messages.slot(message);
    if (outcome === "nack" && messages.consumedBy[group]![row]! === 0 && messages.fate[group]![row] === 0)
      this.context.drop(message, group, "processing-failed");
    if (outcome === "retry")
      this.publish(message, group, messages.deliveryCount[group]![messages.slot(message)]!, delayMicros);
    this.pump(topic);
    return true;
  }

  /** A consumer crashed: the records it was processing go back to the head of their retry partitions. */
  consumerDown(consumer: number): void {
    const { deliveries } = this.context;
    for (const topic of this.byTimerKey) {
      if (topic.inFlight < 0 || deliveries.consumer(topic.inFlight) !== consumer) continue;
      if (deliveries.isOpen(topic.inFlight)) deliveries.close(topic.inFlight);
      topic.messages.unshift(topic.inFlightMessage);
      topic.dueAt.unshift(this.context.sim.now);
      topic.inFlight = NONE;
      topic.inFlightMessage = NONE;
      this.pump(topic);
    }
  }

  /** Every record waiting in a retry topic, for its group (the ones being processed are open deliveries). */
  forEachHeld(visit: (message: number, group: number) => void): void {
    for (const topic of this.byTimerKey) for (const message of topic.messages) visit(message, topic.group);
  }

  /** Topics in creation order: timers name a topic by its index here, and iteration is deterministic. */
  private readonly byTimerKey: RetryPartition[] = [];

  private holding(delivery: number): RetryPartition | null {
    const message = this.context.deliveries.message(delivery);
    for (const topic of this.byTimerKey) {
      if (topic.inFlight === delivery) return topic;
      if (topic.inFlight === DELIVERY_PENDING && topic.inFlightMessage === message) return topic;
    }
    return null;
  }

  private readonly wake = (index: number): void => {
    const topic = this.byTimerKey[index]!;
    topic.timer = NONE;
    this.pump(topic);
  };

  /** Whether `member` reads the retry partitions its main partitions match now. */
  private reads(member: Member): boolean {
    return member.alive && member.inGroup && !member.stopping && this.host.available();
  }

  /** Hands the head record to the partition's owner once it is due, there is one, and nothing is in flight. */
  private pump(topic: RetryPartition): void {
    if (topic.inFlight !== NONE || topic.timer !== NONE || topic.messages.length === 0) return;
    const { sim } = this.context;
    const due = topic.dueAt[0]!;
    const owner = this.host.ownerOf(topic.group, topic.partition);
    if (due > sim.now || owner === null || !this.reads(owner)) {
      const wait = due > sim.now ? due - sim.now : OWNER_POLL_MICROS;
      topic.timer = sim.schedule(wait, this.wake, this.byTimerKey.indexOf(topic));
      return;
    }
    const message = topic.messages.shift()!;
    topic.dueAt.shift();
    topic.inFlight = DELIVERY_PENDING;
    topic.inFlightMessage = message;
    const delivery = this.context.deliver(message, owner.consumer);
    // At zero latency the consumer may settle the record before `deliver` returns.
    if (topic.inFlight === DELIVERY_PENDING && topic.inFlightMessage === message) topic.inFlight = delivery;
  }
}
