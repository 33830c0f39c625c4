import { IntRing } from "../../model/int-ring.js";
import type { ConsumerSlot } from "../broker.js";

/**
 * Per consumer: how many more unacked deliveries its channel may receive
 * (prefetch credit; Infinity when unbounded), and per group the consumers
 * with credit in round-robin order. A consumer that receives a message goes
 * to the back of its group's ring, as RabbitMQ's round-robin dispatch does.
 */
export class ConsumerCredits {
  private readonly credit: Float64Array;
  private readonly alive: Uint8Array;
  private readonly inRing: Uint8Array;
  private readonly rings: IntRing[];

  constructor(
    private readonly consumers: readonly ConsumerSlot[],
    groupCount: number,
  ) {
    this.credit = new Float64Array(consumers.length);
    this.alive = new Uint8Array(consumers.length).fill(1);
    this.inRing = new Uint8Array(consumers.length);
    this.rings = Array.from({ length: groupCount }, () => new IntRing());
    for (const consumer of consumers) this.refill(consumer.index);
  }

  isAlive(consumer: number): boolean {
    return this.alive[consumer] === 1;
  }

  /** A new channel: full prefetch credit. */
  refill(consumer: number): void {
    this.credit[consumer] = this.consumers[consumer]!.capacity;
    this.enlist(consumer);
  }

  /** A settled delivery of the current channel gives its credit back. */
  giveBack(consumer: number): void {
    this.credit[consumer]!++;
    this.enlist(consumer);
  }

  /** The consumer crashed: the broker stops sending to it (see docs on what that simplifies). */
  down(consumer: number): void {
    this.alive[consumer] = 0;
    this.credit[consumer] = 0;
  }

  up(consumer: number): void {
    this.alive[consumer] = 1;
    this.refill(consumer);
  }

  /** The broker went down: every channel is gone. */
  dropAll(): void {
    this.credit.fill(0);
  }

  /**
   * The next consumer of `group` with credit and room (`fits`), which spends one credit; -1 if none.
   * A consumer without room leaves the ring until `wake` puts it back.
   */
  take(group: number, fits: ((consumer: number) => boolean) | null = null): number {
    const ring = this.rings[group]!;
    while (ring.length > 0) {
      const consumer = ring.shift();
      this.inRing[consumer] = 0;
      if (this.alive[consumer] === 0 || this.credit[consumer]! <= 0) continue;
      if (fits !== null && !fits(consumer)) continue;
      this.credit[consumer]!--;
      this.enlist(consumer);
      return consumer;
    }
    return -1;
  }

  /** The consumer has room again (its socket drained): back into its group's ring if it has credit. */
  wake(consumer: number): void {
    this.enlist(consumer);
  }

  private enlist(consumer: number): void {
    if (this.inRing[consumer] === 1 || this.alive[consumer] === 0 || this.credit[consumer]! <= 0) return;
    this.inRing[consumer] = 1;
    this.rings[this.consumers[consumer]!.group]!.push(consumer);
  }
}
