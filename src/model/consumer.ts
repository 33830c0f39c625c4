import type { Simulation } from "../engine/simulation.js";
import type { Sampler } from "../random/distributions.js";
import type { DeliveryTable } from "./deliveries.js";
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
 * One consumer instance. It processes each delivery it receives, then acks it;
 * the broker never hands it more than `concurrency` unacked deliveries.
 */
export class Consumer {
  /** Receives a delivery; bound once so the network can call it without allocating. */
  readonly receive = (delivery: number): void => {
    this.wiring.sim.schedule(Math.round(this.options.processing()), this.finish, delivery);
  };

  private readonly finish = (delivery: number): void => {
    const { messages, deliveries, observer, sim } = this.wiring;
    const message = deliveries.message[delivery]!;
    const times = messages.recordConsumed(message, this.options.group);
    observer.consumed(message, this.options.group, times, sim.now);
    this.wiring.toBroker.send(this.wiring.ackHandler, delivery);
  };

  constructor(
    readonly options: ConsumerOptions,
    private readonly wiring: ConsumerWiring,
  ) {}
}
