import type { Simulation } from "../../engine/simulation.js";

/** rabbit_fifo.hrl's LOW_LIMIT: publishers are let go when the queue is back at 80% of its limit. */
const LOW_LIMIT = 0.8;

/**
 * A quorum queue's reject-publish (rabbit_fifo.erl, v3.10.8 to 4.3 alike). The limit is checked when a
 * publish is applied to the Raft state, not when it arrives: when the applied queue goes over
 * x-max-length (more ready messages than the limit), the queue sends each publisher's channel a
 * `reject_publish` status, and from then on the channel refuses publishes itself. Publishes already on
 * their way are applied and accepted: the queue overshoots. When the queue is back at 80% of the limit
 * it sends `go`. Each notice reaches the publishers `delay` after the state change.
 */
export class LimitNotice {
  /** Per queue: whether publishers have heard reject_publish (and not yet go). */
  private readonly heard: Uint8Array;
  /** Per queue: the status the queue last sent (1 = reject_publish). */
  private readonly sent: Uint8Array;

  constructor(
    queueCount: number,
    private readonly maxLength: number,
    private readonly delay: number,
    private readonly sim: Simulation,
  ) {
    this.heard = new Uint8Array(queueCount);
    this.sent = new Uint8Array(queueCount);
  }

  /** Whether publishers refuse publishes to `queue` now. */
  refuses(queue: number): boolean {
    return this.heard[queue] === 1;
  }

  /** The queue's ready count changed: it may send a status. */
  lengthChanged(queue: number, ready: number): void {
    if (this.sent[queue] === 0 && ready > this.maxLength) this.send(queue, 1);
    else if (this.sent[queue] === 1 && ready <= Math.trunc(this.maxLength * LOW_LIMIT)) this.send(queue, 0);
  }

  private send(queue: number, status: 0 | 1): void {
    this.sent[queue] = status;
    this.sim.schedule(this.delay, () => {
      this.heard[queue] = status;
    });
  }
}
