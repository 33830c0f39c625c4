import type { IntRing } from "../../model/int-ring.js";
/** The records one poll returns: the first `length` of `records`, an array reused from poll to poll. */
export interface PollBatch {
  records: number[];
  length: number;
}

/**
 * One consumer-group membership: a consumer instance from the moment it joins
 * until the coordinator removes it. A restarted instance, or one that was
 * kicked and comes back, joins as a new member with a new id, as a Kafka
 * consumer without `group.instance.id` does.
 */
export class Member {
  /** Its consumer process is running (false once it crashed). */
  alive = true;
  /** The coordinator counts it as a member (false once removed: session expiry or a kick). */
  inGroup = true;
  /** It has (re)joined the rebalance under way; a new member has by definition. */
  rejoined = true;
  /** It heard of a rebalance while busy and will rejoin at its next poll. */
  mustRejoin = false;
  /** Heartbeats are sent at this time plus multiples of heartbeat.interval.ms. */
  heartbeatOrigin: number;
  /** Partitions it owns, ascending (under cooperative-sticky, some may be on their way out). */
  owned: number[] = [];

  /** A clean stop under way: the application polls no more and finishes only what it is processing. */
  stopping = false;
  /** Processing a batch: poll() has returned records it has not finished. */
  busy = false;
  /** Waiting inside poll() for records or an assignment. */
  parked = true;
  parkedAt: number;
  /** Records of the current batch not yet processed. */
  outstanding = 0;
  batchStartedAt = 0;
  /** Handle of the pending max.poll.interval.ms check, or -1. */
  watchdog = -1;
  /** When its session expires (crashed members), or -1. */
  expiresAt = -1;
  /** Where the next poll starts among its owned partitions, so that no partition starves. */
  nextPartition = 0;
  /** What its polls fill (see PollBatch). */
  readonly pollBuffer: PollBatch = { records: [], length: 0 };
  /** Per-partition hand-over of the current batch, when the consumer processes several records at once. */
  lanes: LaneState | null = null;
  /** Its batch is done and its next poll is scheduled for this instant. */
  pollPending = false;
  /** Set while a batch is being handed over, so an ack arriving within it does not start the next poll early. */
  handingOut = false;
  finishedWhileHanding = false;

  constructor(
    readonly serial: number,
    readonly consumer: number,
    readonly group: number,
    /** The consumer's incarnation this member belongs to; deliveries carry it. */
    readonly incarnation: number,
    now: number,
  ) {
    this.heartbeatOrigin = now;
    this.parkedAt = now;
  }

  /** The id the assignors sort by: instance order, then join order. */
  get id(): string {
    return `${String(this.consumer).padStart(6, "0")}-${String(this.serial).padStart(8, "0")}`;
  }

  /** The last heartbeat sent at or before `now`. */
  lastHeartbeat(now: number, interval: number): number {
    return this.heartbeatOrigin + Math.floor((now - this.heartbeatOrigin) / interval) * interval;
  }

  /** The first heartbeat at or after `now`. */
  nextHeartbeat(now: number, interval: number): number {
    return this.heartbeatOrigin + Math.ceil((now - this.heartbeatOrigin) / interval) * interval;
  }
}

/**
 * A member's lanes (lanes.ts), kept from batch to batch: the batch (a copy of the poll buffer, written over
 * by the next batch), each partition's next and end index in it, and the partitions whose next record is due.
 * `due` and `spare` trade places at each feed; rings, they keep their room when emptied, so a feed allocates nothing.
 */
export interface LaneState {
  batch: number[];
  next: Int32Array;
  end: Int32Array;
  due: IntRing;
  spare: IntRing;
}
