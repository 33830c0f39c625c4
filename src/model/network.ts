import type { EventHandler } from "../engine/event-queue.js";
import type { Simulation } from "../engine/simulation.js";
import type { Sampler } from "../random/distributions.js";

/**
 * A one-way network link between two components, e.g. producer → broker.
 *
 * Like a TCP connection, a link never reorders: a message sent later arrives
 * no earlier than one sent before it, whatever latency it drew. A link with
 * zero latency is a direct call, so textbook scenarios pay nothing for it.
 */
export class Link {
  private lastArrival = 0;

  constructor(
    private readonly sim: Simulation,
    /** Latency in microseconds per send, or null for a zero-latency link. */
    private readonly latency: Sampler | null,
  ) {}

  send(handler: EventHandler, arg: number): void {
    if (this.latency === null) {
      handler(arg);
      return;
    }
    const arrival = Math.max(this.sim.now + Math.round(this.latency()), this.lastArrival);
    this.lastArrival = arrival;
    this.sim.at(arrival, handler, arg);
  }
}
