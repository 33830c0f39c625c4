import type { Simulation } from "../engine/simulation.js";
import type { Sampler } from "../random/distributions.js";
import type { DeliveryTable } from "./deliveries.js";
import { IntRing } from "./int-ring.js";
import type { MessageTable } from "./messages.js";
import type { Link } from "./network.js";
import type { RunObserver } from "./observer.js";

export interface ConsumerOptions {
  index: number;
  group: number;
  /** Stable name, e.g. billing/2: used for random streams and fault targets. */
  name: string;
  concurrency: number;
  processing: Sampler;
}

export interface ConsumerWiring {
  sim: Simulation;
  messages: MessageTable;
  deliveries: DeliveryTable;
  observer: RunObserver;
  toBroker: Link;
  /** Where an ack lands when it reaches the broker. */
  ackHandler: (delivery: number) => void;
}

/**
 * One consumer instance. Deliveries beyond what it can process at once wait in
 * its local prefetch buffer, in arrival order; each is processed, then acked.
 */
export class Consumer {
  private busy = 0;
  private readonly buffered = new IntRing();

  /** Receives a delivery; bound once so the network can call it without allocating. */
  readonly receive = (delivery: number): void => {
    if (this.busy < this.options.concurrency) this.start(delivery);
    else this.buffered.push(delivery);
  };

  private readonly finish = (delivery: number): void => {
    const { messages, deliveries, observer, sim } = this.wiring;
    const message = deliveries.message[delivery]!;
    const times = messages.recordConsumed(message, this.options.group);
    observer.consumed(message, this.options.group, times, sim.now);
    this.busy--;
    this.wiring.toBroker.send(this.wiring.ackHandler, delivery);
    if (this.buffered.length > 0) this.start(this.buffered.shift());
  };

  constructor(
    readonly options: ConsumerOptions,
    private readonly wiring: ConsumerWiring,
  ) {}

  private start(delivery: number): void {
    this.busy++;
    this.wiring.sim.schedule(Math.round(this.options.processing()), this.finish, delivery);
  }
}
