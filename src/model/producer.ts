import type { Simulation } from "../engine/simulation.js";
import type { ArrivalProcess } from "../random/arrivals.js";
import type { Sampler } from "../random/distributions.js";
import { IntRing } from "./int-ring.js";
import type { MessageTable } from "./messages.js";
import type { Link } from "./network.js";
import type { RunObserver } from "./observer.js";
import type { PublisherGate } from "./publisher-gate.js";

export interface ProducerOptions {
  index: number;
  name: string;
  arrivals: ArrivalProcess;
  pickKey: () => number;
  /** Whether the next message is a poison message (processing it always fails). */
  isPoison: () => boolean;
  sampleSize: Sampler;
  /** Messages stop being created at this time (the scenario's duration). */
  stopAt: number;
  /** Most messages this instance creates; Infinity for no limit. */
  limit: number;
}

export interface ProducerWiring {
  sim: Simulation;
  messages: MessageTable;
  observer: RunObserver;
  gate: PublisherGate;
  toBroker: Link;
  /** Where a publish lands when it reaches the broker. */
  publishHandler: (message: number) => void;
}

/** One producer instance: creates messages on its arrival schedule and sends them to the broker. */
export class Producer {
  private created = 0;
  /** Messages held while the broker blocks publishing, oldest first. */
  private readonly backlog = new IntRing();
  private readonly onArrival = (): void => this.arrive();

  constructor(
    readonly options: ProducerOptions,
    private readonly wiring: ProducerWiring,
  ) {
    wiring.gate.onOpen(() => this.flushBacklog());
  }

  start(): void {
    this.scheduleNext();
  }

  private arrive(): void {
    const { sim, messages, observer, gate } = this.wiring;
    const now = sim.now;
    const { index, pickKey, sampleSize, isPoison } = this.options;
    const id = messages.create(now, index, pickKey(), Math.round(sampleSize()), isPoison());
    this.created++;
    observer.published(id, now);
    if (this.backlog.length === 0 && gate.admit()) this.send(id);
    else this.backlog.push(id);
    this.scheduleNext();
  }

  private scheduleNext(): void {
    if (this.created >= this.options.limit) return;
    const next = this.options.arrivals.next();
    if (next < this.options.stopAt) this.wiring.sim.at(next, this.onArrival);
  }

  private flushBacklog(): void {
    while (this.backlog.length > 0 && this.wiring.gate.admit()) this.send(this.backlog.shift());
  }

  private send(message: number): void {
    this.wiring.gate.inTransit++;
    this.wiring.toBroker.send(this.wiring.publishHandler, message);
  }
}
