import type { Simulation } from "../../engine/simulation.js";
import type { PublisherGate } from "../../model/publisher-gate.js";

const WINDOW = 1_000_000;

/**
 * A FIFO queue's SendMessage quota (300 calls/s) as producer backpressure:
 * at most `limit` publishes reach the queue in any one-second window. SQS
 * answers calls over the quota with ThrottlingException and the SDK backs off;
 * without producer retries in the model, the throttled producer is blocked
 * instead, which is what the backoff amounts to. Publishes still on the wire
 * count against the quota, so a burst cannot overshoot it.
 */
export class SendThrottle {
  private readonly times: Float64Array;
  private head = 0;
  private count = 0;
  private reopenEvent = -1;
  private readonly reopen = (): void => {
    this.reopenEvent = -1;
    this.gate.open();
  };

  constructor(
    private readonly sim: Simulation,
    private readonly gate: PublisherGate,
    private readonly limit: number,
  ) {
    this.times = new Float64Array(limit);
    gate.setAdmissionRule((inTransit) => this.admits(inTransit));
  }

  /** A publish reached the queue and was taken. */
  record(now: number): void {
    this.evict(now);
    if (this.count === this.limit) this.dropOldest();
    this.times[(this.head + this.count) % this.limit] = now;
    this.count++;
    if (!this.gate.isOpen) this.scheduleReopen();
  }

  private admits(inTransit: number): boolean {
    this.evict(this.sim.now);
    if (this.count + inTransit < this.limit) return true;
    this.scheduleReopen();
    return false;
  }

  /** Reopens when the oldest publish in the window leaves it. */
  private scheduleReopen(): void {
    if (this.reopenEvent >= 0 || this.count === 0) return;
    this.reopenEvent = this.sim.at(this.times[this.head]! + WINDOW, this.reopen);
  }

  private evict(now: number): void {
    while (this.count > 0 && this.times[this.head]! <= now - WINDOW) this.dropOldest();
  }

  private dropOldest(): void {
    this.head = (this.head + 1) % this.limit;
    this.count--;
  }
}
