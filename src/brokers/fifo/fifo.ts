import { IntRing } from "../../model/int-ring.js";
import type { Broker, BrokerContext } from "../broker.js";
import { RedriveBase } from "../redrive-base.js";
import type { FifoSettings } from "./settings.js";

/**
 * The plain FIFO profile, an idealized broker. Every consumer group has its
 * own queue and receives every message (fan-out); within a group, consumers
 * compete. A message goes to the consumer that has waited longest with free
 * capacity, which is round-robin when all are busy. A crashed consumer's
 * unsettled deliveries return to the front of the queue once the broker
 * notices (`crashDetection`); a failed one returns at once, until
 * `deliveryLimit` dead-letters it. A cleanly stopped consumer's unstarted deliveries return at once.
 */
export function createFifoBroker(context: BrokerContext, settings: FifoSettings): Broker {
  return new FifoBroker(context, settings);
}

class FifoBroker implements Broker {
  private readonly queues: IntRing[];
  /** Per group: consumers with free capacity, longest-waiting first. */
  private readonly ready: IntRing[];
  private readonly inReady: Uint8Array;
  private readonly freeCapacity: Int32Array;
  /** Per consumer: 0 once the broker has noticed it is gone (it gets nothing until it is back). */
  private readonly alive: Uint8Array;
  /** Per consumer: 1 from its crash until it restarts, whether or not the broker has noticed. */
  private readonly down: Uint8Array;
  private readonly maxLength: number;
  private up = true;
  private readonly redriven: RedriveBase;

  constructor(
    private readonly context: BrokerContext,
    private readonly settings: FifoSettings,
  ) {
    const consumers = context.consumers.length;
    this.queues = Array.from({ length: context.groupCount }, () => new IntRing());
    this.ready = Array.from({ length: context.groupCount }, () => new IntRing());
    this.inReady = new Uint8Array(consumers);
    this.freeCapacity = new Int32Array(consumers);
    this.alive = new Uint8Array(consumers).fill(1);
    this.down = new Uint8Array(consumers);
    this.maxLength = settings.maxLength ?? Number.POSITIVE_INFINITY;
    this.redriven = new RedriveBase(context.messages);
    if (settings.overflow === "block" && settings.maxLength !== null) {
      // Admit a publish only if it would fit once everything on the wire has arrived.
      context.gate.setAdmissionRule((inTransit) => this.longestQueue() + inTransit < this.maxLength);
    }
    for (const consumer of context.consumers) this.refill(consumer.index);
  }

  publish(message: number): void {
    if (!this.up) {
      this.context.reject(message);
      return;
    }
    if (this.anyQueueFull()) {
      if (this.settings.overflow === "reject-publish") {
        this.context.reject(message);
        return;
      }
      if (this.settings.overflow === "drop-head") this.dropHeads();
    }
    this.context.accept(message);
    for (let group = 0; group < this.queues.length; group++) {
      if (!this.context.messages.addressedTo(message, group)) continue;
      this.queues[group]!.push(message);
      this.dispatch(group);
    }
  }

  ack(delivery: number): void {
    if (!this.context.deliveries.isOpen(delivery)) return;
    this.settle(delivery);
  }

  nack(delivery: number): void {
    const { deliveries, messages, consumers } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const message = deliveries.message(delivery);
    const group = consumers[deliveries.consumer(delivery)]!.group;
    this.settle(delivery);
    const limit = this.settings.deliveryLimit;
    const count = messages.deliveryCount[group]![messages.slot(message)]!;
    if (limit !== null && count >= limit && this.redriven.since(message, group, count) >= limit) {
      this.context.deadLetter(message, group, "delivery_limit");
    } else {
      this.queues[group]!.unshift(message);
      this.dispatch(group);
    }
  }

  /** A redrive from the DLQ: to the tail of the group's queue, with a fresh deliveryLimit. */
  redrive(message: number, group: number): boolean {
    if (!this.up) return false;
    const { messages } = this.context;
    this.redriven.moved(message, group, messages.deliveryCount[group]![messages.slot(message)]!);
    this.queues[group]!.push(message);
    this.dispatch(group);
    return true;
  }

  /**
   * The broker does not know yet: it keeps dispatching to the dead consumer
   * (as far as its unacked credit allows) until `crashDetection` has passed.
   */
  consumerDown(consumer: number): void {
    this.down[consumer] = 1;
    this.context.sim.schedule(this.settings.crashDetection, () => this.detect(consumer));
  }

  /** A clean stop: nothing new goes to the consumer; what it holds stays with it until it closes. */
  consumerStopping(consumer: number): void {
    this.alive[consumer] = 0;
  }

  /** Like RabbitMQ's channel close: what it held returns to the front of the queue at once. */
  consumerClosed(consumer: number): void {
    this.down[consumer] = 1;
    this.detect(consumer);
  }

  consumerUp(consumer: number): void {
    this.down[consumer] = 0;
    this.alive[consumer] = 1;
    this.refill(consumer);
    this.dispatch(this.context.consumers[consumer]!.group);
  }

  crash(): void {
    this.up = false;
    this.context.gate.close();
    const { deliveries, consumers } = this.context;
    const returned: number[][] = this.queues.map(() => []);
    deliveries.forEachOpen((delivery) => {
      returned[consumers[deliveries.consumer(delivery)]!.group]!.push(deliveries.message(delivery));
      deliveries.close(delivery);
    });
    this.queues.forEach((queue, group) => {
      this.returnToFront(group, returned[group]!);
      if (!this.settings.durable) {
        queue.forEach((message) => {
          this.context.drop(message, group, "broker-crash");
        });
        queue.clear();
      }
      this.context.observer.depthChanged(group, queue.length, this.context.sim.now);
    });
  }

  restart(): void {
    this.up = true;
    for (const consumer of this.context.consumers) {
      this.freeCapacity[consumer.index] = 0;
      if (this.alive[consumer.index] === 1) this.refill(consumer.index);
    }
    this.context.gate.open();
    for (let group = 0; group < this.queues.length; group++) this.dispatch(group);
  }

  forEachHeld(visit: (message: number, group: number) => void): void {
    this.queues.forEach((queue, group) => {
      queue.forEach((message) => {
        visit(message, group);
      });
    });
    const { deliveries, consumers } = this.context;
    deliveries.forEachOpen((delivery) => {
      visit(deliveries.message(delivery), consumers[deliveries.consumer(delivery)]!.group);
    });
  }

  /** Closes a delivery; capacity comes back only if it was granted in the consumer's current life. */
  private settle(delivery: number): void {
    const { deliveries, incarnations, consumers } = this.context;
    const consumer = deliveries.consumer(delivery);
    const current = deliveries.incarnation(delivery) === incarnations[consumer];
    deliveries.close(delivery);
    if (current && this.alive[consumer] === 1 && this.up) {
      this.freeCapacity[consumer]!++;
      this.markReady(consumer);
    }
    this.dispatch(consumers[consumer]!.group);
  }

  /** Returns a dead consumer's deliveries to the front of the queue, in their original order. */
  /**
   * The broker notices the dead connection: every delivery sent to a life of
   * the consumer that has ended goes back to the front of the queue, and a
   * consumer still down receives nothing more until it is back.
   */
  private detect(consumer: number): void {
    const { deliveries, consumers, incarnations } = this.context;
    const group = consumers[consumer]!.group;
    const stillDown = this.down[consumer] === 1;
    if (stillDown) this.alive[consumer] = 0;
    const returned: number[] = [];
    deliveries.forEachOpen((delivery) => {
      const ended = stillDown || deliveries.incarnation(delivery) !== incarnations[consumer];
      if (deliveries.consumer(delivery) === consumer && ended) {
        returned.push(deliveries.message(delivery));
        deliveries.close(delivery);
      }
    });
    this.returnToFront(group, returned);
    this.dispatch(group);
  }

  private returnToFront(group: number, messages: number[]): void {
    messages.sort((a, b) => b - a);
    for (const message of messages) this.queues[group]!.unshift(message);
  }

  private refill(consumer: number): void {
    this.freeCapacity[consumer] = this.context.consumers[consumer]!.capacity;
    this.markReady(consumer);
  }

  private markReady(consumer: number): void {
    if (this.inReady[consumer] === 1 || this.freeCapacity[consumer]! === 0) return;
    this.inReady[consumer] = 1;
    this.ready[this.context.consumers[consumer]!.group]!.push(consumer);
  }

  private dispatch(group: number): void {
    if (!this.up) return;
    const queue = this.queues[group]!;
    const ready = this.ready[group]!;
    const before = queue.length;
    while (queue.length > 0 && ready.length > 0) {
      const consumer = ready.shift();
      this.inReady[consumer] = 0;
      if (this.alive[consumer] === 0 || this.freeCapacity[consumer]! === 0) continue;
      this.freeCapacity[consumer]!--;
      this.markReady(consumer);
      this.context.deliver(queue.shift(), consumer);
    }
    this.context.observer.depthChanged(group, queue.length, this.context.sim.now);
    if (queue.length < before && !this.context.gate.isOpen && !this.anyQueueFull()) this.context.gate.open();
  }

  private anyQueueFull(): boolean {
    return this.longestQueue() >= this.maxLength;
  }

  private longestQueue(): number {
    let longest = 0;
    for (const queue of this.queues) if (queue.length > longest) longest = queue.length;
    return longest;
  }

  /** Makes room in every full queue by discarding its oldest message: a loss the producer never hears of. */
  private dropHeads(): void {
    this.queues.forEach((queue, group) => {
      if (queue.length >= this.maxLength) this.context.drop(queue.shift(), group, "maxlen");
    });
  }
}
