import type { MessageTable } from "../../model/messages.js";
import type { EnqueueOrder } from "./group-queue.js";
import { MessageRing } from "./message-ring.js";
import type { ReturnPlacement } from "./settings.js";

/** Priorities above this are "high" in a 4.0-4.2 quorum queue; 0 to 4 (and none) are "normal". */
export const QUORUM_HIGH_PRIORITY_ABOVE = 4;

/** Of every three messages taken while both buckets have some, the third may be normal (rabbit_fifo_q's WEIGHT). */
const WEIGHT = 2;

/**
 * A RabbitMQ 4.0-4.2 quorum queue's ready messages. Every quorum queue has two
 * buckets, high and normal (no `x-max-priority` needed), served 2:1 while
 * both hold messages so normal ones are never starved. This follows
 * `rabbit_fifo_q`: a counter cycles 0, 1, 2 on every take; at 2 the normal
 * head goes if it was enqueued before the high head, otherwise high goes
 * again. Returned messages come first (`returns-first`, the delivery-limit
 * default) or, with the limit off, re-enter the tail of the normal bucket, as
 * `rabbit_fifo` re-enqueues them without their priority.
 */
export class QuorumPriorityQueue {
  private readonly returned = new MessageRing();
  private readonly high = new MessageRing();
  private readonly normal = new MessageRing();
  /** rabbit_fifo_q's dequeue_counter. */
  private counter = 0;

  constructor(
    private readonly placement: ReturnPlacement,
    private readonly order: EnqueueOrder,
    private readonly messages: MessageTable,
  ) {}

  get length(): number {
    return this.returned.length + this.high.length + this.normal.length;
  }

  peek(): number {
    return this.returned.length > 0 ? this.returned.peek() : this.nextBucket().peek();
  }

  shift(): number {
    if (this.returned.length > 0) return this.returned.shift();
    const bucket = this.nextBucket();
    this.counter = this.counter === WEIGHT ? 0 : this.counter + 1;
    return bucket.shift();
  }

  push(message: number): void {
    if (this.messages.priorityOf(message) > QUORUM_HIGH_PRIORITY_ABOVE) this.high.push(message);
    else this.normal.push(message);
  }

  giveBack(message: number): void {
    if (this.placement === "tail") this.normal.push(message);
    else this.returned.push(message);
  }

  forEach(visit: (message: number) => void): void {
    this.returned.forEach(visit);
    this.high.forEach(visit);
    this.normal.forEach(visit);
  }

  clear(): void {
    this.returned.clear();
    this.high.clear();
    this.normal.clear();
  }

  /** rabbit_fifo_q:next: high first, except every third take, when an older normal head goes. */
  private nextBucket(): MessageRing {
    if (this.high.length === 0) return this.normal;
    if (this.normal.length === 0 || this.counter !== WEIGHT) return this.high;
    return this.order.of(this.high.peek()) < this.order.of(this.normal.peek()) ? this.high : this.normal;
  }
}
