import type { BrokerContext } from "../broker.js";
import type { TopicLog } from "./log.js";
import { assignReplicas } from "./placement.js";
import type { KafkaOptions } from "./settings.js";

/** What the replication layer tells the rest of the broker. */
export interface ReplicationEvents {
  /** The high watermark of `partition` moved up, or the partition came back online: more records can be read. */
  readable(partition: number): void;
  /** A new leader's log ends at `end`: every record from there on is gone (reason `leader-failover` or `unclean-leader-election`). */
  truncate(partition: number, end: number, reason: string): void;
  /** Every broker is down (the group coordinator with them), or the first one is back. */
  clusterDown(): void;
  clusterUp(): void;
}

/**
 * A Kafka cluster of `brokers` nodes holding one topic. Per partition: its
 * replicas (placement.ts), the leader, the in-sync replica set (ISR), each
 * replica's log end offset (LEO) and the high watermark (HW, the lowest LEO in
 * the ISR: what consumers may read and what acks=all confirms).
 *
 * The leader's log is the topic log; followers are only offsets into it.
 * Followers fetch continuously: a live follower has a record `replicationDelay`
 * after its leader appended it, if the leader is still up then. A follower
 * that (re)starts fetching, after a restart or a leader change, gets
 * everything the leader held at that moment one `replicationDelay` later.
 *
 * A crashed broker is noticed by the controller (always up: a separate KRaft
 * quorum) `broker.session.timeout.ms` after the crash. It is fenced: removed
 * from every ISR it is in unless it is the last member (ReplicationControlManager
 * .handleBrokerFenced), and each partition it led gets as leader the first
 * replica in replica order that is in the ISR and not fenced. With none, the
 * partition is offline until an ISR member returns; with
 * unclean.leader.election.enable a live out-of-sync replica takes over instead,
 * and what it lacks is lost. Independently, a leader drops a follower that has
 * not fetched for `replica.lag.time.max.ms`. A restarted broker catches up and
 * rejoins the ISR once its LEO reaches the HW.
 *
 * One broker with RF 1 schedules no event of its own, so it behaves exactly
 * as the single-broker profile did.
 */
export class Cluster {
  readonly brokers: number;
  private readonly replicas: Int32Array[];
  /** Per partition: the leader's broker, or -1 while the partition is offline. */
  private readonly leader: Int32Array;
  /** Per partition and broker (partition * brokers + broker): 1 if in the ISR. */
  private readonly inIsr: Uint8Array;
  private readonly isrSize: Int32Array;
  /** Per partition and broker: the replica's log end offset (the leader's is the topic log's end). */
  private readonly leo: Int32Array;
  /** Per partition and broker: records from this offset on reach the follower by continuous fetching. */
  private readonly fetchFrom: Int32Array;
  /** Per partition and broker: what the follower's pending catch-up fetch brings it up to. */
  private readonly catchUpTo: Int32Array;
  readonly highWatermark: Int32Array;
  private readonly alive: Uint8Array;
  /** The controller's view: a crashed broker counts as alive until it is fenced. */
  private readonly fenced: Uint8Array;
  private readonly crashedAt: Float64Array;
  /** Per partition: acks=all records appended and not yet confirmed, in offset order. */
  private readonly unconfirmed: number[][];
  private readonly awaitingConfirm = new Set<number>();
  private aliveCount: number;

  private readonly onReplicated = (message: number): void => this.replicated(message);
  private readonly onCatchUp = (broker: number): void => this.catchUp(broker);
  private readonly onFence = (broker: number): void => {
    if (!this.alive[broker] && this.crashedAt[broker] === this.context.sim.now - this.options.brokerSessionTimeout)
      this.fence(broker);
  };
  private readonly onLagTimeout = (broker: number): void => {
    if (!this.alive[broker] && this.crashedAt[broker] === this.context.sim.now - this.options.replicaLagTimeMax)
      this.dropLaggingFollower(broker);
  };

  constructor(
    private readonly context: BrokerContext,
    private readonly options: KafkaOptions,
    private readonly log: TopicLog,
    private readonly events: ReplicationEvents,
  ) {
    const { partitions, brokers, replicationFactor } = options;
    this.brokers = brokers;
    this.replicas = assignReplicas(partitions, brokers, replicationFactor);
    this.leader = Int32Array.from(this.replicas, (replicas) => replicas[0]!);
    this.inIsr = new Uint8Array(partitions * brokers);
    this.replicas.forEach((replicas, partition) => {
      for (const broker of replicas) this.inIsr[partition * brokers + broker] = 1;
    });
    this.isrSize = new Int32Array(partitions).fill(replicationFactor);
    this.leo = new Int32Array(partitions * brokers);
    this.fetchFrom = new Int32Array(partitions * brokers);
    this.catchUpTo = new Int32Array(partitions * brokers);
    this.highWatermark = new Int32Array(partitions);
    this.alive = new Uint8Array(brokers).fill(1);
    this.fenced = new Uint8Array(brokers);
    this.crashedAt = new Float64Array(brokers).fill(-1);
    this.unconfirmed = Array.from({ length: partitions }, () => []);
    this.aliveCount = brokers;
  }

  /** Whether any broker is up (and with it the group and transaction coordinators). */
  get anyUp(): boolean {
    return this.aliveCount > 0;
  }

  /** Whether the partition's leader is up: it can take writes and serve fetches. */
  available(partition: number): boolean {
    const leader = this.leader[partition]!;
    return leader >= 0 && this.alive[leader] === 1;
  }

  /** Whether a write to `partition` is refused: no leader up, or (acks=all) an ISR below min.insync.replicas. */
  refuses(partition: number): boolean {
    if (!this.available(partition)) return true;
    return this.options.acks === "all" && this.isrSize[partition]! < this.options.minInsyncReplicas;
  }

  /** Whether an acks=all write is confirmed at once: the leader is the whole ISR. */
  confirmsOnAppend(partition: number): boolean {
    return this.options.acks !== "all" || this.isrSize[partition] === 1;
  }

  /** An acks=all record in the log whose confirm is still to come. */
  awaitsConfirm(message: number): boolean {
    return this.awaitingConfirm.has(message);
  }

  /** The leader appended `message` (already accepted unless `confirmLater`). */
  appended(partition: number, message: number, confirmLater: boolean): void {
    if (confirmLater) {
      this.unconfirmed[partition]!.push(message);
      this.awaitingConfirm.add(message);
    }
    if (this.replicas[partition]!.length > 1) {
      this.context.sim.schedule(this.options.replicationDelay, this.onReplicated, message);
    }
    this.advanceHighWatermark(partition);
  }

  crash(broker: number): void {
    if (!this.alive[broker]) return;
    this.alive[broker] = 0;
    this.crashedAt[broker] = this.context.sim.now;
    this.aliveCount--;
    if (this.brokers > 1) {
      this.context.sim.schedule(this.options.brokerSessionTimeout, this.onFence, broker);
      this.context.sim.schedule(this.options.replicaLagTimeMax, this.onLagTimeout, broker);
    }
    if (this.aliveCount === 0) this.events.clusterDown();
  }

  restart(broker: number): void {
    if (this.alive[broker]) return;
    this.alive[broker] = 1;
    this.fenced[broker] = 0;
    this.crashedAt[broker] = -1;
    // When the whole cluster comes back, clusterUp wakes every consumer once all partitions are settled.
    const clusterWasDown = this.aliveCount++ === 0;
    this.replicas.forEach((replicas, partition) => {
      if (!replicas.includes(broker)) return;
      const leader = this.leader[partition]!;
      const slot = partition * this.brokers + broker;
      if (leader === broker) {
        // Back before the controller noticed: still the leader, its log intact (a process crash keeps the page cache).
        this.refetchAll(partition);
        if (!clusterWasDown) this.events.readable(partition);
      } else if (leader < 0 && (this.inIsr[slot] === 1 || this.options.uncleanElection)) {
        this.elect(partition, broker, this.inIsr[slot] === 1 ? "leader-failover" : "unclean-leader-election");
      } else if (leader >= 0) {
        // A returning follower truncates to the high watermark (it may hold records the leader never had) and refetches.
        this.leo[slot] = Math.min(this.leo[slot]!, this.highWatermark[partition]!);
        this.refetch(partition, broker);
      }
      this.advanceHighWatermark(partition);
    });
    if (clusterWasDown) this.events.clusterUp();
  }

  /** A follower got a record by continuous fetching. */
  private replicated(message: number): void {
    const partition = this.context.messages.partition[message]!;
    const offset = this.log.offsetOf(message);
    if (offset >= this.log.end[partition]! || this.log.message(partition, offset) !== message) return;
    if (!this.available(partition)) return;
    for (const broker of this.replicas[partition]!) {
      const slot = partition * this.brokers + broker;
      if (broker === this.leader[partition] || !this.alive[broker]) continue;
      if (offset < this.fetchFrom[slot]! || this.leo[slot]! < offset) continue;
      this.leo[slot] = Math.max(this.leo[slot]!, offset + 1);
      this.maybeRejoin(partition, broker);
    }
    this.advanceHighWatermark(partition);
  }

  /** One replication round trip after a follower started fetching: it has what the leader had then. */
  private catchUp(broker: number): void {
    if (!this.alive[broker]) return;
    this.replicas.forEach((replicas, partition) => {
      if (!replicas.includes(broker) || this.leader[partition] === broker || !this.available(partition)) return;
      const slot = partition * this.brokers + broker;
      this.leo[slot] = Math.max(this.leo[slot]!, Math.min(this.catchUpTo[slot]!, this.log.end[partition]!));
      this.maybeRejoin(partition, broker);
      this.advanceHighWatermark(partition);
    });
  }

  /** The follower starts a fetch session from the leader's current end. */
  private refetch(partition: number, broker: number): void {
    const slot = partition * this.brokers + broker;
    const end = this.log.end[partition]!;
    this.fetchFrom[slot] = end;
    this.catchUpTo[slot] = end;
    this.context.sim.schedule(this.options.replicationDelay, this.onCatchUp, broker);
  }

  private refetchAll(partition: number): void {
    for (const broker of this.replicas[partition]!) {
      if (broker !== this.leader[partition] && this.alive[broker]) this.refetch(partition, broker);
    }
  }

  private maybeRejoin(partition: number, broker: number): void {
    const slot = partition * this.brokers + broker;
    if (this.inIsr[slot] || this.leo[slot]! < this.highWatermark[partition]!) return;
    this.inIsr[slot] = 1;
    this.isrSize[partition]!++;
  }

  /** The controller fences a broker it has not heard from for broker.session.timeout.ms. */
  private fence(broker: number): void {
    this.fenced[broker] = 1;
    this.replicas.forEach((replicas, partition) => {
      if (!replicas.includes(broker)) return;
      this.leaveIsr(partition, broker);
      if (this.leader[partition] === broker) this.electAfterLoss(partition);
      this.advanceHighWatermark(partition);
    });
  }

  /** The leader's check: a follower that has not fetched for replica.lag.time.max.ms leaves the ISR. */
  private dropLaggingFollower(broker: number): void {
    this.replicas.forEach((replicas, partition) => {
      if (!replicas.includes(broker) || this.leader[partition] === broker || !this.available(partition)) return;
      this.leaveIsr(partition, broker);
      this.advanceHighWatermark(partition);
    });
  }

  /** The ISR never becomes empty: its last member stays, so that it can lead again when it returns. */
  private leaveIsr(partition: number, broker: number): void {
    const slot = partition * this.brokers + broker;
    if (!this.inIsr[slot] || this.isrSize[partition] === 1) return;
    this.inIsr[slot] = 0;
    this.isrSize[partition]!--;
  }

  /** The leader was fenced: the first unfenced ISR replica leads; else a live replica if unclean election is on. */
  private electAfterLoss(partition: number): void {
    const replicas = this.replicas[partition]!;
    const clean = replicas.find((b) => this.inIsr[partition * this.brokers + b] === 1 && this.fenced[b] === 0);
    if (clean !== undefined) {
      this.elect(partition, clean, "leader-failover");
      return;
    }
    const unclean = this.options.uncleanElection
      ? replicas.find((b) => this.alive[b] === 1 && this.fenced[b] === 0)
      : undefined;
    if (unclean !== undefined) this.elect(partition, unclean, "unclean-leader-election");
    else this.goOffline(partition);
  }

  private goOffline(partition: number): void {
    const old = this.leader[partition]!;
    if (old >= 0) this.leo[partition * this.brokers + old] = this.log.end[partition]!;
    this.leader[partition] = -1;
  }

  /** `broker` becomes the leader; the topic log becomes its log, and whatever it lacks is gone. */
  private elect(partition: number, broker: number, reason: string): void {
    const slot = partition * this.brokers + broker;
    this.goOffline(partition);
    const end = Math.min(this.leo[slot]!, this.log.end[partition]!);
    if (!this.inIsr[slot]) {
      // Unclean: the out-of-sync replica is the whole ISR, and the high watermark falls to its log end.
      for (const other of this.replicas[partition]!) this.inIsr[partition * this.brokers + other] = 0;
      this.inIsr[slot] = 1;
      this.isrSize[partition] = 1;
      this.highWatermark[partition] = Math.min(this.highWatermark[partition]!, end);
    }
    this.leader[partition] = broker;
    if (end < this.log.end[partition]!) {
      this.refuseUnconfirmedFrom(partition, end);
      this.events.truncate(partition, end, reason);
    }
    for (const other of this.replicas[partition]!) {
      const otherSlot = partition * this.brokers + other;
      this.leo[otherSlot] = Math.min(this.leo[otherSlot]!, end);
    }
    this.refetchAll(partition);
    if (this.available(partition)) this.events.readable(partition);
  }

  /** acks=all records cut off by a failover were never confirmed: their producers get a retriable error and resend them. */
  private refuseUnconfirmedFrom(partition: number, end: number): void {
    const list = this.unconfirmed[partition]!;
    let keep = list.length;
    while (keep > 0 && this.log.offsetOf(list[keep - 1]!) >= end) keep--;
    for (const message of list.splice(keep)) {
      this.awaitingConfirm.delete(message);
      this.context.refuse(message);
    }
  }

  /** HW = the lowest LEO in the ISR; it only moves up while a leader is up. Confirms acks=all records below it. */
  private advanceHighWatermark(partition: number): void {
    if (!this.available(partition)) return;
    const leader = this.leader[partition]!;
    let low = this.log.end[partition]!;
    for (const broker of this.replicas[partition]!) {
      const slot = partition * this.brokers + broker;
      if (broker !== leader && this.inIsr[slot] === 1) low = Math.min(low, this.leo[slot]!);
    }
    if (low <= this.highWatermark[partition]!) return;
    this.highWatermark[partition] = low;
    const list = this.unconfirmed[partition]!;
    let confirmed = 0;
    while (confirmed < list.length && this.log.offsetOf(list[confirmed]!) < low) confirmed++;
    for (const message of list.splice(0, confirmed)) {
      this.awaitingConfirm.delete(message);
      this.context.accept(message);
    }
    this.events.readable(partition);
  }
}
