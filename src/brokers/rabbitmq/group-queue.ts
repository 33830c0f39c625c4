import type { MessageColumn, MessageTable } from "../../model/messages.js";
import { MessageRing } from "./message-ring.js";
import type { ReturnPlacement } from "./settings.js";

/**
 * The order in which the exchange routed messages into the queues. Fan-out
 * routes a message into every queue at once, so one sequence serves them all.
 * It is not the message id order: with network latency, messages reach the
 * broker in a different order from the one they were created in.
 */
export class EnqueueOrder {
  /** A column of the message table, so it is retired with it. */
  private readonly order: MessageColumn<Float64Array>;
  private next = 0;

  constructor(private readonly messages: MessageTable) {
    this.order = messages.column((n) => new Float64Array(n));
  }

  assign(message: number): void {
    this.order.values[this.messages.slot(message)] = this.next++;
  }

  of(message: number): number {
    return this.order.values[this.messages.slot(message)]!;
  }
}

/**
 * The ready messages of one consumer group's queue (unacked ones are in the
 * delivery table). Where a returned message goes depends on the queue type:
 * a classic queue puts it back at its original position; a quorum queue
 * serves returns first, in return order, or appends them to the tail when
 * its delivery limit is off (RabbitMQ 4.0-4.2 quorum-queues docs).
 */
export class GroupQueue {
  private readonly main = new MessageRing();
  private readonly returned = new MessageRing();

  constructor(
    private readonly placement: ReturnPlacement,
    private readonly order: EnqueueOrder,
  ) {}

  get length(): number {
    return this.main.length + this.returned.length;
  }

  /** The next message to deliver; the caller checks `length` first. */
  peek(): number {
    return this.returned.length > 0 ? this.returned.peek() : this.main.peek();
  }

  shift(): number {
    return this.returned.length > 0 ? this.returned.shift() : this.main.shift();
  }

  /** A newly routed message joins the tail. */
  push(message: number): void {
    this.main.push(message);
  }

  /** A message returned by a consumer (nack, channel close) goes back where its queue type puts it. */
  giveBack(message: number): void {
    if (this.placement === "returns-first") this.returned.push(message);
    else if (this.placement === "tail") this.main.push(message);
    else this.main.insertAt(this.originalPosition(message), message);
  }

  forEach(visit: (message: number) => void): void {
    this.returned.forEach(visit);
    this.main.forEach(visit);
  }

  clear(): void {
    this.main.clear();
    this.returned.clear();
  }

  /** A classic queue stays sorted by enqueue order (it only ever appends newer messages), so binary search. */
  private originalPosition(message: number): number {
    const key = this.order.of(message);
    let low = 0;
    let high = this.main.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.order.of(this.main.at(middle)) < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
