import type { Sampler } from "../../random/distributions.js";

/**
 * The broker's work per publish. Each queue is one Erlang process that handles its publishes one at a
 * time, and the node runs at most `cores` of them at once (one Erlang scheduler per core). Work is
 * handed out in arrival order: a queue's next publish starts when the queue is free and a core is free.
 * A publish routed to several queues is done when the last of them is.
 */
export class QueueServers {
  private readonly queueFreeAt: Float64Array;
  private readonly coreFreeAt: Float64Array;

  constructor(
    queueCount: number,
    cores: number,
    /** The service time of one publish in one queue (µs), or null for no work. */
    private readonly sample: Sampler | null,
  ) {
    this.queueFreeAt = new Float64Array(queueCount);
    this.coreFreeAt = new Float64Array(cores);
  }

  /** When the publish that arrived `now` for `queues` is done. */
  finishTime(queues: readonly number[], now: number): number {
    if (this.sample === null) return now;
    let finish = now;
    for (const queue of queues) {
      const core = this.earliestCore();
      const start = Math.max(now, this.queueFreeAt[queue]!, this.coreFreeAt[core]!);
      const end = start + Math.round(this.sample());
      this.queueFreeAt[queue] = end;
      this.coreFreeAt[core] = end;
      finish = Math.max(finish, end);
    }
    return finish;
  }

  /** The core that frees first (the lowest index among equals, so runs are reproducible). */
  private earliestCore(): number {
    let best = 0;
    for (let core = 1; core < this.coreFreeAt.length; core++) {
      if (this.coreFreeAt[core]! < this.coreFreeAt[best]!) best = core;
    }
    return best;
  }
}
