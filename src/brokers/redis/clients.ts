import { IntRing } from "../../model/int-ring.js";
import type { BrokerContext, ConnectionLoss } from "../broker.js";

/** How Redis refuses new blocking reads, and how clients retry them (see Clients.refuseReads). */
export interface ReadRefusal {
  refuses(consumer: number): boolean;
  /** Microseconds a client waits before sending a refused read again. */
  delay: number;
  /** A retried read now blocks: serve it if there is work. */
  retried(consumer: number): void;
}

/**
 * The consumers' connections as Redis sees them. Each instance runs one
 * blocking read loop per unit of concurrency (BRPOP, BLMOVE, XREADGROUP
 * BLOCK): it is *waiting* while it is alive and holds fewer deliveries than
 * its capacity. Redis serves blocked clients first come, first served, so each
 * group keeps its waiting consumers in a FIFO ring.
 */
export class Clients {
  readonly alive: Uint8Array;
  /** A clean stop under way: alive, finishing what it holds, but issuing no more reads. */
  private readonly stopping: Uint8Array;
  /** Deliveries each consumer holds from its current life. */
  readonly inHand: Int32Array;
  private readonly waiting: IntRing[];
  private readonly queued: Uint8Array;
  /**
   * Per consumer whose connection went silent: blocking reads it had waiting
   * when it did, which Redis still serves (into a socket nobody reads).
   */
  private readonly ghostReads: Int32Array;
  /** A refused read's retry is scheduled (see refuseReads). */
  private readonly retrying: Uint8Array;
  private refusal: ReadRefusal | null = null;
  private readonly retry = (consumer: number): void => this.retryRead(consumer);
  private brokerUp = true;

  constructor(private readonly context: BrokerContext) {
    const count = context.consumers.length;
    this.alive = new Uint8Array(count).fill(1);
    this.stopping = new Uint8Array(count);
    this.inHand = new Int32Array(count);
    this.queued = new Uint8Array(count);
    this.retrying = new Uint8Array(count);
    this.ghostReads = new Int32Array(count);
    this.waiting = Array.from({ length: context.groupCount }, () => new IntRing());
    for (let c = 0; c < count; c++) this.wait(c);
  }

  /**
   * Redis may refuse a consumer's new blocking read (BLMOVE is denyoom, so it
   * fails with OOM over maxmemory): the client then waits `delay` and tries
   * again, and `retried` lets the broker serve it if it now blocks. A read
   * already blocked is never refused: Redis serves blocked clients without
   * checking memory.
   */
  refuseReads(refusal: ReadRefusal): void {
    this.refusal = refusal;
  }

  /** Redis refused the consumer's read (OOM, while serving it): it sends it again after the refusal delay. */
  refuse(consumer: number): void {
    if (this.refusal === null || this.retrying[consumer] === 1) return;
    this.retrying[consumer] = 1;
    this.context.sim.schedule(this.refusal.delay, this.retry, consumer);
  }

  groupOf(consumer: number): number {
    return this.context.consumers[consumer]!.group;
  }

  /**
   * The consumer blocked longest that can take a message now, or -1. It may
   * be a silent one's blocked read (see isGhost): Redis serves it all the same.
   */
  next(group: number): number {
    const ring = this.waiting[group]!;
    while (ring.length > 0) {
      const consumer = ring.shift();
      this.queued[consumer] = 0;
      if (this.canTake(consumer) || (this.brokerUp && this.ghostReads[consumer]! > 0)) return consumer;
    }
    return -1;
  }

  /**
   * A consumer `next` returned took nothing after all (BullMQ: the job it fetched failed at once): it
   * waits again, first in line, as it was.
   */
  giveBack(consumer: number): void {
    if (this.queued[consumer] === 1) return;
    this.queued[consumer] = 1;
    this.waiting[this.groupOf(consumer)]!.unshift(consumer);
  }

  /** Whether `consumer` is down and what Redis serves it goes into a socket nobody reads. */
  isGhost(consumer: number): boolean {
    return this.alive[consumer] === 0;
  }

  /**
   * Records a delivery to `consumer` (one served read); it keeps waiting (at
   * the back) while it has room, or, silent, while it has blocked reads left.
   */
  took(consumer: number): void {
    if (this.alive[consumer] === 0) {
      if (--this.ghostReads[consumer]! > 0 && this.queued[consumer] === 0) {
        this.queued[consumer] = 1;
        this.waiting[this.groupOf(consumer)]!.push(consumer);
      }
      return;
    }
    this.inHand[consumer]!++;
    this.wait(consumer);
  }

  /**
   * An ack or nack reached the broker: closes the delivery and frees the
   * consumer's worker if the delivery belongs to its current life. Returns
   * false for a handle that was already closed (a duplicate or a late ack).
   */
  settle(delivery: number): boolean {
    const { deliveries, incarnations } = this.context;
    if (!deliveries.isOpen(delivery)) return false;
    const consumer = deliveries.consumer(delivery);
    const current = deliveries.incarnation(delivery) === incarnations[consumer];
    deliveries.close(delivery);
    if (current && this.alive[consumer] === 1) {
      this.inHand[consumer]!--;
      this.wait(consumer);
    }
    return true;
  }

  /** Whether a delivery is open and held by the live consumer it was sent to. */
  isLive(delivery: number): boolean {
    const { deliveries, incarnations } = this.context;
    if (!deliveries.isOpen(delivery)) return false;
    const consumer = deliveries.consumer(delivery);
    return this.alive[consumer] === 1 && deliveries.incarnation(delivery) === incarnations[consumer];
  }

  /** Visits every (message, group) a live consumer holds. */
  forEachLive(visit: (message: number, group: number) => void): void {
    const { deliveries } = this.context;
    deliveries.forEachOpen((delivery) => {
      if (this.isLive(delivery)) visit(deliveries.message(delivery), this.groupOf(deliveries.consumer(delivery)));
    });
  }

  /**
   * Closes the open deliveries of `consumer` from lives that have ended (all
   * of them once it is down: a cleanly closed consumer keeps its incarnation
   * until it restarts); returns their messages.
   */
  closeStale(consumer: number): number[] {
    const { deliveries, incarnations } = this.context;
    const closed: number[] = [];
    deliveries.forEachOpen((delivery) => {
      if (deliveries.consumer(delivery) !== consumer) return;
      if (deliveries.incarnation(delivery) === incarnations[consumer] && this.alive[consumer] === 1) return;
      closed.push(deliveries.message(delivery));
      deliveries.close(delivery);
    });
    return closed;
  }

  /** Whether the consumer still reads: alive and not stopping (it may claim or be handed entries). */
  reads(consumer: number): boolean {
    return this.alive[consumer] === 1 && this.stopping[consumer] === 0;
  }

  /** A clean stop: the consumer blocks in no more reads; what it holds it still acks. */
  stop(consumer: number): void {
    this.stopping[consumer] = 1;
  }

  /**
   * The consumer is gone. Its socket closed ("closed"): Redis drops its
   * blocked reads. Silent (frozen, cut off): Redis does not know, and serves
   * each read it had blocked once more.
   */
  down(consumer: number, loss: ConnectionLoss = "closed"): void {
    const blocked =
      this.queued[consumer] === 1 ? this.context.consumers[consumer]!.capacity - this.inHand[consumer]! : 0;
    this.ghostReads[consumer] = loss === "silent" ? blocked : 0;
    this.alive[consumer] = 0;
    this.inHand[consumer] = 0;
  }

  up(consumer: number): void {
    // A restart is a new process: the old connection, and its blocked reads, are gone.
    this.ghostReads[consumer] = 0;
    this.alive[consumer] = 1;
    this.stopping[consumer] = 0;
    this.inHand[consumer] = 0;
    this.wait(consumer);
  }

  /** Redis went down: every blocked read fails. Deliveries already in hand stay with their consumers. */
  brokerDown(): void {
    this.brokerUp = false;
    this.ghostReads.fill(0);
    for (const ring of this.waiting) ring.clear();
    this.queued.fill(0);
  }

  /** Redis is back: every live consumer with room blocks again, in index order. */
  brokerBack(): void {
    this.brokerUp = true;
    for (let c = 0; c < this.alive.length; c++) this.wait(c);
  }

  private retryRead(consumer: number): void {
    this.retrying[consumer] = 0;
    this.wait(consumer);
    if (this.queued[consumer] === 1) this.refusal?.retried(consumer);
  }

  private canTake(consumer: number): boolean {
    return this.brokerUp && this.reads(consumer) && this.inHand[consumer]! < this.context.consumers[consumer]!.capacity;
  }

  private wait(consumer: number): void {
    if (this.queued[consumer] === 1 || this.retrying[consumer] === 1 || !this.canTake(consumer)) return;
    if (this.refusal?.refuses(consumer)) {
      this.refuse(consumer);
      return;
    }
    this.queued[consumer] = 1;
    this.waiting[this.groupOf(consumer)]!.push(consumer);
  }
}
