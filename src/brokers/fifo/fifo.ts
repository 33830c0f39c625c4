import { IntRing } from "../../model/int-ring.js";
import type { Broker, BrokerContext } from "../broker.js";
import type { FifoSettings } from "./settings.js";

/**
 * The plain FIFO profile: every consumer group has its own queue and receives
 * every message (fan-out); within a group, consumers compete. A message goes
 * to the consumer that has waited longest with free capacity, which is
 * round-robin when all are busy. Acked messages are gone; nothing is redelivered.
 */
export function createFifoBroker(context: BrokerContext, settings: FifoSettings): Broker {
  return new FifoBroker(context, settings);
}

class FifoBroker implements Broker {
  private readonly queues: IntRing[];
  /** Per group: consumers with free capacity, longest-waiting first; each appears at most once. */
  private readonly ready: IntRing[];
  private readonly freeCapacity: Int32Array;
  private readonly maxLength: number;

  constructor(
    private readonly context: BrokerContext,
    private readonly settings: FifoSettings,
  ) {
    this.queues = Array.from({ length: context.groupCount }, () => new IntRing());
    this.ready = Array.from({ length: context.groupCount }, () => new IntRing());
    this.freeCapacity = new Int32Array(context.consumers.length);
    this.maxLength = settings.maxLength ?? Number.POSITIVE_INFINITY;
    if (settings.overflow === "block" && settings.maxLength !== null) {
      // Admit a publish only if it would fit once everything on the wire has arrived.
      context.gate.setAdmissionRule((inTransit) => this.longestQueue() + inTransit < this.maxLength);
    }
    for (const consumer of context.consumers) {
      this.freeCapacity[consumer.index] = consumer.capacity;
      this.ready[consumer.group]!.push(consumer.index);
    }
  }

  publish(message: number): void {
    if (this.anyQueueFull()) {
      if (this.settings.overflow === "reject-publish") {
        this.context.reject(message);
        return;
      }
      if (this.settings.overflow === "drop-head") this.dropHeads();
    }
    this.context.accept(message);
    for (let group = 0; group < this.queues.length; group++) {
      this.queues[group]!.push(message);
      this.dispatch(group);
    }
  }

  ack(delivery: number): void {
    const { deliveries } = this.context;
    const consumer = deliveries.consumer[delivery]!;
    deliveries.close(delivery);
    if (this.freeCapacity[consumer]!++ === 0) {
      this.ready[this.context.consumers[consumer]!.group]!.push(consumer);
    }
    this.dispatch(this.context.consumers[consumer]!.group);
  }

  forEachHeld(visit: (message: number, group: number) => void): void {
    this.queues.forEach((queue, group) => {
      queue.forEach((message) => {
        visit(message, group);
      });
    });
    const { deliveries, consumers } = this.context;
    deliveries.forEachOpen((delivery) => {
      visit(deliveries.message[delivery]!, consumers[deliveries.consumer[delivery]!]!.group);
    });
  }

  private dispatch(group: number): void {
    const queue = this.queues[group]!;
    const ready = this.ready[group]!;
    const before = queue.length;
    while (queue.length > 0 && ready.length > 0) {
      const consumer = ready.shift();
      if (--this.freeCapacity[consumer]! > 0) ready.push(consumer);
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
    for (const queue of this.queues) {
      if (queue.length >= this.maxLength) queue.shift();
    }
  }
}
