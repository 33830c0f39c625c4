import type { EventHandler } from "../engine/event-queue.js";
import type { Simulation } from "../engine/simulation.js";
import type { Sampler } from "../random/distributions.js";
import type { Rng } from "../random/streams.js";

/** One end of a link: the broker, a producer instance or a consumer instance. */
export type Endpoint =
  | { kind: "broker" }
  | { kind: "producer"; name: string; instance: string }
  | { kind: "consumer"; group: string; instance: string };

/**
 * A one-way network link between two components, e.g. producer → broker.
 *
 * Like a TCP connection, a link never reorders: a message sent later arrives
 * no earlier than one sent before it, whatever latency it drew. A link with
 * zero latency is a direct call, so textbook scenarios pay nothing for it.
 * Faults can add delay to a link or make it deliver some messages twice.
 */
export class Link {
  private lastArrival = 0;
  /** Extra delay per message while a latency fault is active. */
  extraDelay: Sampler | null = null;
  /** While a duplication fault is active: the chance a message arrives twice, and the stream deciding it. */
  duplicate: { probability: number; rng: Rng } | null = null;
  /** Messages this link delivered twice. */
  duplicated = 0;
  /** While a loss fault is active: the chance a message vanishes, and the stream deciding it. */
  loss: { probability: number; rng: Rng } | null = null;
  /** Messages this link lost. */
  lost = 0;

  constructor(
    private readonly sim: Simulation,
    /** Latency in microseconds per send, or null for a zero-latency link. */
    private readonly latency: Sampler | null,
    readonly from: Endpoint,
    readonly to: Endpoint,
  ) {}

  send(handler: EventHandler, arg: number): void {
    if (this.loss !== null && this.loss.rng() < this.loss.probability) {
      this.lost++;
      return;
    }
    const twice = this.duplicate !== null && this.duplicate.rng() < this.duplicate.probability;
    if (twice) this.duplicated++;
    // A direct call is only allowed when nothing sent earlier is still on the way (after a latency fault).
    if (this.latency === null && this.extraDelay === null && this.lastArrival <= this.sim.now) {
      handler(arg);
      if (twice) handler(arg);
      return;
    }
    const delay = (this.latency === null ? 0 : this.latency()) + (this.extraDelay === null ? 0 : this.extraDelay());
    const arrival = Math.max(this.sim.now + Math.round(delay), this.lastArrival);
    this.lastArrival = arrival;
    this.sim.at(arrival, handler, arg);
    if (twice) this.sim.at(arrival, handler, arg);
  }
}
