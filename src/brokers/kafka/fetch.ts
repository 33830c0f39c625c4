import type { BrokerContext } from "../broker.js";
import type { TopicLog } from "./log.js";
import type { KafkaOptions } from "./settings.js";

/** What the fetch loop asks of the cluster and tells it. */
export interface FetchSides {
  /** Whether `partition` has a leader up to answer fetches. */
  servable(partition: number): boolean;
  /** A follower's request reached the leader: the follower's log ends at `offset` (its LEO). */
  requested(partition: number, follower: number, offset: number): void;
  /** A response reached the follower: it holds the leader's records up to `upTo` (exclusive). Returns its new LEO. */
  received(partition: number, follower: number, upTo: number): number;
}

/**
 * Follower fetching (Kafka's ReplicaFetcherThread against the leader's
 * ReplicaManager.fetchMessages), one session per (partition, follower):
 *
 * 1. The follower sends a fetch from its log end; it reaches the leader after
 *    `brokerLatency`. The leader notes the offset (the follower's progress).
 * 2. If the leader holds at least `replica.fetch.min.bytes` beyond it, it answers
 *    at once with up to `replica.fetch.max.bytes` (at least one record).
 *    Otherwise the request waits in the leader's fetch purgatory (DelayedFetch):
 *    an append that brings enough bytes completes it at once; with some bytes
 *    but too few, `replica.fetch.wait.max.ms` completes it with what there is.
 * 3. The response reaches the follower after `brokerLatency`; it appends and
 *    goes back to 1.
 *
 * A request that waits with nothing at all to return is kept waiting without a
 * timer: in Kafka it expires after replica.fetch.wait.max.ms and the follower
 * asks again from the same offset, which changes nothing, so the simulation
 * keeps no event alive for an idle partition (and a run can drain). For the
 * same reason a request holding some bytes, but fewer than
 * replica.fetch.min.bytes, waits the full replica.fetch.wait.max.ms from the
 * moment those bytes came: in Kafka it would expire somewhat sooner, when the
 * wait of the request then pending (sent up to that long before) ran out.
 */
export class FollowerFetches {
  private readonly brokers: number;
  /** Per slot (partition * brokers + follower): the event of the request or response in flight, or -1. */
  private readonly inFlight: Float64Array;
  /** Per slot: 1 while the request waits at the leader. */
  private readonly waiting: Uint8Array;
  /** Per slot: the wait timer of a request holding fewer than replica.fetch.min.bytes, or -1. */
  private readonly waitTimer: Float64Array;
  private readonly requestFrom: Int32Array;
  private readonly responseUpTo: Int32Array;
  private readonly onArrive = (slot: number): void => this.arrive(slot);
  private readonly onRespond = (slot: number): void => this.deliver(slot);
  private readonly onWaitOver = (slot: number): void => {
    this.waitTimer[slot] = -1;
    if (this.waiting[slot]) this.answer(slot, 1);
  };

  constructor(
    private readonly context: BrokerContext,
    private readonly options: KafkaOptions,
    private readonly log: TopicLog,
    private readonly sides: FetchSides,
  ) {
    this.brokers = options.brokers;
    const slots = options.partitions * options.brokers;
    this.inFlight = new Float64Array(slots).fill(-1);
    this.waiting = new Uint8Array(slots);
    this.waitTimer = new Float64Array(slots).fill(-1);
    this.requestFrom = new Int32Array(slots);
    this.responseUpTo = new Int32Array(slots);
  }

  /** The follower (re)starts its session from `offset`: any request or response of the old one is void. */
  start(partition: number, follower: number, offset: number): void {
    const slot = partition * this.brokers + follower;
    this.stop(partition, follower);
    this.requestFrom[slot] = offset;
    this.inFlight[slot] = this.context.sim.schedule(this.options.brokerLatency, this.onArrive, slot);
  }

  /** The follower or its leader went away: the session ends. */
  stop(partition: number, follower: number): void {
    const slot = partition * this.brokers + follower;
    if (this.inFlight[slot] !== -1) this.context.sim.cancel(this.inFlight[slot]!);
    if (this.waitTimer[slot] !== -1) this.context.sim.cancel(this.waitTimer[slot]!);
    this.inFlight[slot] = -1;
    this.waitTimer[slot] = -1;
    this.waiting[slot] = 0;
  }

  /** The leader appended to `partition`: waiting requests that now have enough bytes are answered. */
  appended(partition: number, followers: Int32Array): void {
    for (const follower of followers) {
      const slot = partition * this.brokers + follower;
      if (this.waiting[slot]) this.answer(slot, this.options.replicaFetchMinBytes);
    }
  }

  private arrive(slot: number): void {
    this.inFlight[slot] = -1;
    const partition = Math.floor(slot / this.brokers);
    // A request to a leader that is down is lost; the next election restarts the session.
    if (!this.sides.servable(partition)) return;
    this.sides.requested(partition, slot % this.brokers, this.requestFrom[slot]!);
    this.waiting[slot] = 1;
    this.answer(slot, this.options.replicaFetchMinBytes);
  }

  /** Answers a waiting request if the leader holds at least `minBytes` past it; else keeps it waiting. */
  private answer(slot: number, minBytes: number): void {
    const partition = Math.floor(slot / this.brokers);
    const from = this.requestFrom[slot]!;
    const end = this.log.end[partition]!;
    const { messages } = this.context;
    let upTo = from;
    let bytes = 0;
    // Up to replica.fetch.max.bytes, but at least one record, so that a follower never stalls on a large one.
    while (upTo < end) {
      const recordBytes = messages.size[messages.slot(this.log.message(partition, upTo))]!;
      if (upTo > from && bytes + recordBytes > this.options.replicaFetchMaxBytes) break;
      bytes += recordBytes;
      upTo++;
    }
    if (upTo === from || bytes < minBytes) {
      if (upTo > from && this.waitTimer[slot] === -1)
        this.waitTimer[slot] = this.context.sim.schedule(this.options.replicaFetchWaitMax, this.onWaitOver, slot);
      return;
    }
    this.waiting[slot] = 0;
    if (this.waitTimer[slot] !== -1) this.context.sim.cancel(this.waitTimer[slot]!);
    this.waitTimer[slot] = -1;
    this.responseUpTo[slot] = upTo;
    this.inFlight[slot] = this.context.sim.schedule(this.options.brokerLatency, this.onRespond, slot);
  }

  private deliver(slot: number): void {
    this.inFlight[slot] = -1;
    const partition = Math.floor(slot / this.brokers);
    const follower = slot % this.brokers;
    const upTo = Math.min(this.responseUpTo[slot]!, this.log.end[partition]!);
    this.start(partition, follower, this.sides.received(partition, follower, upTo));
  }
}
