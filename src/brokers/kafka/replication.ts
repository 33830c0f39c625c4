import { IntRing } from "../../model/int-ring.js";
import type { MessageColumn } from "../../model/messages.js";
import type { BrokerContext } from "../broker.js";
import { FollowerFetches } from "./fetch.js";
import { LeoHistory } from "./leo-history.js";
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
 * the ISR as the leader knows it: what consumers may read and what acks=all
 * confirms).
 *
 * The leader's log is the topic log; followers are offsets into it. Followers
 * pull (fetch.ts has the loop): a follower's fetch request carries its LEO, and
 * that is how the leader learns its progress, so the HW moves one fetch round
 * after the follower got the records (Partition.updateFollowerFetchState in
 * Kafka). A request that finds nothing new waits at the leader (DelayedFetch)
 * and is answered as soon as records are appended; an acks=all record is thus
 * confirmed one to two round trips of `brokerLatency` after its append.
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
 * What a crash keeps: Kafka writes to the page cache and does not fsync
 * (log.flush.interval.messages is Long.MAX_VALUE), so a process crash keeps
 * every record written, and a host crash keeps only records older than
 * `pageCacheFlush` (Linux writes dirty pages out after vm.dirty_expire_centisecs,
 * 30 s). A broker back from a host crash has lost its younger tail: as a
 * follower it truncates and refetches from the leader; as the only in-sync
 * replica it leads with the shorter log, and what it lost is gone.
 *
 * One broker with RF 1 schedules no event of its own.
 */
export class Cluster {
  readonly brokers: number;
  private readonly replicas: Int32Array[];
  /** Per partition: the leader's broker, or -1 while the partition is offline. */
  private readonly leader: Int32Array;
  /** Per partition and broker (partition * brokers + broker): 1 if in the ISR. */
  private readonly inIsr: Uint8Array;
  private readonly isrSize: Int32Array;
  /** Per partition and broker: the follower's log end offset (a leader's log is the topic log). */
  private readonly leo: Int32Array;
  /** Per partition and broker: the follower's LEO as the leader knows it, from its last fetch request. */
  private readonly knownLeo: Int32Array;
  readonly highWatermark: Int32Array;
  private readonly alive: Uint8Array;
  /** The controller's view: a crashed broker counts as alive until it is fenced. */
  private readonly fenced: Uint8Array;
  private readonly crashedAt: Float64Array;
  /** Per broker: 1 from a host crash until its restart (its page cache is gone). */
  private readonly lostCache: Uint8Array;
  /** Per slot: what the follower held after each change, for what a host crash keeps. */
  private readonly history: LeoHistory[];
  /** Per partition: acks=all records appended and not yet confirmed, in offset order. */
  private readonly unconfirmed: IntRing[];
  /** Per message: 1 while it is in `unconfirmed` (a column of the message table, made at the first such record). */
  private awaitingConfirm: MessageColumn<Uint8Array> | null = null;
  private awaitingCount = 0;
  /** Lists of records being confirmed, reused: a confirm can lead to another (a zero-latency resend), which takes its own. */
  private readonly confirming: IntRing[] = [];
  private readonly fetches: FollowerFetches;
  private aliveCount: number;

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
    this.knownLeo = new Int32Array(partitions * brokers);
    this.highWatermark = new Int32Array(partitions);
    this.alive = new Uint8Array(brokers).fill(1);
    this.fenced = new Uint8Array(brokers);
    this.crashedAt = new Float64Array(brokers).fill(-1);
    this.lostCache = new Uint8Array(brokers);
    this.history = Array.from({ length: partitions * brokers }, () => new LeoHistory());
    this.unconfirmed = Array.from({ length: partitions }, () => new IntRing(8));
    this.aliveCount = brokers;
    this.fetches = new FollowerFetches(context, options, log, {
      servable: (partition) => this.available(partition),
      requested: (partition, follower, offset) => this.requested(partition, follower, offset),
      received: (partition, follower, upTo) => this.received(partition, follower, upTo),
    });
    for (let partition = 0; partition < partitions; partition++) this.refetchAll(partition);
  }

  /** The broker that leads `partition`, or -1 while it is offline. */
  leaderOf(partition: number): number {
    return this.leader[partition]!;
  }

  /** Replicas of `partition` (the topic's replication factor). */
  replicaCount(partition: number): number {
    return this.replicas[partition]!.length;
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
    // Empty unless acks=all waits for followers: no lookup per write in the common case.
    return this.awaitingCount > 0 && this.awaitingConfirm!.values[this.context.messages.slot(message)] === 1;
  }

  /** The leader appended `message` (already accepted unless `confirmLater`). */
  appended(partition: number, message: number, confirmLater: boolean): void {
    if (confirmLater) {
      this.unconfirmed[partition]!.push(message);
      this.markAwaiting(message, 1);
    }
    if (this.replicas[partition]!.length > 1) this.fetches.appended(partition, this.replicas[partition]!);
    this.advanceHighWatermark(partition);
  }

  /** `host`: the machine died with the broker, and with it the page cache (records younger than pageCacheFlush). */
  crash(broker: number, host: boolean): void {
    if (!this.alive[broker]) return;
    if (host) this.losePageCache(broker);
    this.alive[broker] = 0;
    this.crashedAt[broker] = this.context.sim.now;
    this.aliveCount--;
    this.replicas.forEach((replicas, partition) => {
      if (replicas.includes(broker)) this.fetches.stop(partition, broker);
    });
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
    const lostCache = this.lostCache[broker] === 1;
    // When the whole cluster comes back, clusterUp wakes every consumer once all partitions are settled.
    const clusterWasDown = this.aliveCount++ === 0;
    this.replicas.forEach((replicas, partition) => {
      if (!replicas.includes(broker)) return;
      this.rejoin(partition, broker, lostCache, clusterWasDown);
      this.advanceHighWatermark(partition);
    });
    this.lostCache[broker] = 0;
    if (clusterWasDown) this.events.clusterUp();
  }

  /** A restarted broker takes up its part in `partition` again. */
  private rejoin(partition: number, broker: number, lostCache: boolean, clusterWasDown: boolean): void {
    const leader = this.leader[partition]!;
    const slot = partition * this.brokers + broker;
    if (leader === broker && lostCache) {
      // Back from a host crash before the controller noticed: a live in-sync replica, which has the whole log,
      // takes over (the controller fences the old incarnation); without one, this broker leads with what it kept.
      const heir = this.replicas[partition]!.find(
        (b) => b !== broker && this.alive[b] === 1 && this.inIsr[partition * this.brokers + b] === 1,
      );
      if (heir === undefined) this.elect(partition, broker, "host-crash");
      else {
        this.elect(partition, heir, "leader-failover");
        this.followAgain(partition, broker);
      }
    } else if (leader === broker) {
      // Back from a process crash before the controller noticed: still the leader, its log intact.
      this.refetchAll(partition);
      if (!clusterWasDown) this.events.readable(partition);
    } else if (leader < 0 && (this.inIsr[slot] === 1 || this.options.uncleanElection)) {
      const reason = this.inIsr[slot] !== 1 ? "unclean-leader-election" : lostCache ? "host-crash" : "leader-failover";
      this.elect(partition, broker, reason);
    } else if (leader >= 0) this.followAgain(partition, broker);
  }

  /** A returning follower truncates to the high watermark (it may hold records the leader never had) and refetches. */
  private followAgain(partition: number, broker: number): void {
    const slot = partition * this.brokers + broker;
    this.setLeo(slot, Math.min(this.leo[slot]!, this.highWatermark[partition]!));
    this.fetches.start(partition, broker, this.leo[slot]!);
  }

  /**
   * The host died: each replica on it keeps only what it had `pageCacheFlush` ago. A follower's LEO falls
   * to that now; a leader's log is the topic log, which its followers may still hold, so its own loss shows
   * when it leads again with what it kept (elect) or follows the replica that replaced it.
   */
  private losePageCache(broker: number): void {
    this.lostCache[broker] = 1;
    const horizon = this.context.sim.now - this.options.pageCacheFlush;
    this.replicas.forEach((replicas, partition) => {
      if (!replicas.includes(broker)) return;
      const slot = partition * this.brokers + broker;
      const kept =
        this.leader[partition] === broker
          ? this.log.firstAppendedAfter(partition, horizon)
          : Math.min(this.leo[slot]!, this.heldAt(slot, horizon));
      this.setLeo(slot, kept);
    });
  }

  /** What a follower held at `time`, from its history (0 before its first record). */
  private heldAt(slot: number, time: number): number {
    return this.history[slot]!.heldAt(time);
  }

  /** Sets a follower's LEO and notes it with the time, keeping one entry older than pageCacheFlush. */
  private setLeo(slot: number, leo: number): void {
    this.leo[slot] = leo;
    const now = this.context.sim.now;
    this.history[slot]!.note(now, leo, now - this.options.pageCacheFlush);
  }

  /** The leader heard from a follower: its log ends at `offset`. */
  private requested(partition: number, follower: number, offset: number): void {
    this.knownLeo[partition * this.brokers + follower] = offset;
    this.maybeRejoin(partition, follower);
    this.advanceHighWatermark(partition);
  }

  /** A fetch response reached a live follower: it appends what it got. Returns its LEO. */
  private received(partition: number, follower: number, upTo: number): number {
    const slot = partition * this.brokers + follower;
    if (upTo > this.leo[slot]!) this.setLeo(slot, upTo);
    return this.leo[slot]!;
  }

  /** Every live follower of `partition` starts a fetch session with its leader (a new leader, or one back). */
  private refetchAll(partition: number): void {
    for (const broker of this.replicas[partition]!) {
      if (broker === this.leader[partition]) this.fetches.stop(partition, broker);
      else if (this.alive[broker]) this.fetches.start(partition, broker, this.leo[partition * this.brokers + broker]!);
    }
  }

  private maybeRejoin(partition: number, broker: number): void {
    const slot = partition * this.brokers + broker;
    if (this.inIsr[slot] || this.knownLeo[slot]! < this.highWatermark[partition]!) return;
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
    if (old >= 0) {
      // A leader that lost its page cache keeps what losePageCache left it; else it holds the whole topic log.
      const slot = partition * this.brokers + old;
      this.setLeo(
        slot,
        this.lostCache[old] ? Math.min(this.leo[slot]!, this.log.end[partition]!) : this.log.end[partition]!,
      );
    }
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
      if (this.leo[otherSlot]! > end) this.setLeo(otherSlot, end);
      this.knownLeo[otherSlot] = Math.min(this.knownLeo[otherSlot]!, this.leo[otherSlot]!);
    }
    this.refetchAll(partition);
    if (this.available(partition)) this.events.readable(partition);
  }

  /** acks=all records cut off by a failover were never confirmed: their producers get a retriable error and resend them. */
  private refuseUnconfirmedFrom(partition: number, end: number): void {
    const list = this.unconfirmed[partition]!;
    let keep = list.length;
    while (keep > 0 && this.log.offsetOf(list.at(keep - 1)) >= end) keep--;
    const refused: number[] = [];
    for (let k = keep; k < list.length; k++) refused.push(list.at(k));
    list.truncate(keep);
    for (const message of refused) {
      this.markAwaiting(message, 0);
      this.context.refuse(message);
    }
  }

  /** HW = the lowest LEO in the ISR; it only moves up while a leader is up. Confirms acks=all records below it. */
  private advanceHighWatermark(partition: number): void {
    if (!this.available(partition)) return;
    const leader = this.leader[partition]!;
    let low = this.log.end[partition]!;
    // Index loops and no splice when nothing is confirmed: this runs on every append.
    const replicas = this.replicas[partition]!;
    for (let k = 0; k < replicas.length; k++) {
      const broker = replicas[k]!;
      const slot = partition * this.brokers + broker;
      if (broker !== leader && this.inIsr[slot] === 1) low = Math.min(low, this.knownLeo[slot]!);
    }
    if (low <= this.highWatermark[partition]!) return;
    this.highWatermark[partition] = low;
    const list = this.unconfirmed[partition]!;
    let confirmed = 0;
    while (confirmed < list.length && this.log.offsetOf(list.at(confirmed)) < low) confirmed++;
    if (confirmed > 0) this.confirmFront(list, confirmed);
    this.events.readable(partition);
  }

  /** Takes the first `count` records off `list`, then confirms them: what a confirm leads to sees them gone. */
  private confirmFront(list: IntRing, count: number): void {
    const taken = this.confirming.pop() ?? new IntRing(8);
    for (let k = 0; k < count; k++) taken.push(list.shift());
    for (let k = 0; k < taken.length; k++) {
      const message = taken.at(k);
      this.markAwaiting(message, 0);
      this.context.accept(message);
    }
    taken.clear();
    this.confirming.push(taken);
  }

  /** Marks a record as awaiting its acks=all confirm (1) or no longer (0). */
  private markAwaiting(message: number, awaiting: 0 | 1): void {
    const { messages } = this.context;
    this.awaitingConfirm ??= messages.column((n) => new Uint8Array(n));
    const row = messages.slot(message);
    const values = this.awaitingConfirm.values;
    if (values[row] === awaiting) return;
    values[row] = awaiting;
    this.awaitingCount += awaiting === 1 ? 1 : -1;
  }
}
