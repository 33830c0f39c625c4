import type { MessageTable } from "../model/messages.js";
import type { RunObserver } from "../model/observer.js";
import { LatencyStats } from "./latency.js";

export interface Counts {
  published: number;
  accepted: number;
  rejected: number;
  deliveries: number;
  /** (message, group) pairs consumed at least once. */
  consumed: number;
  /** (message, group) pairs consumed more than once. */
  duplicated: number;
}

/** Counters, latency histograms and backpressure figures, reduced from the model's events as they happen. */
export class MetricsRecorder implements RunObserver {
  readonly counts: Counts = { published: 0, accepted: 0, rejected: 0, deliveries: 0, consumed: 0, duplicated: 0 };
  /** From the producer's intended send time to the consumer's ack, first consumption only. */
  readonly endToEnd = new LatencyStats();
  /** From acceptance by the broker to delivery to a consumer, every delivery. */
  readonly queueWait = new LatencyStats();
  maxDepth = 0;
  blockedMicros = 0;
  private blockedSince = -1;

  constructor(private readonly messages: MessageTable) {}

  published(): void {
    this.counts.published++;
  }

  accepted(): void {
    this.counts.accepted++;
  }

  rejected(): void {
    this.counts.rejected++;
  }

  delivered(_message: number, _group: number, _consumer: number, queueWait: number): void {
    this.counts.deliveries++;
    this.queueWait.record(queueWait);
  }

  consumed(message: number, _group: number, timesConsumed: number, now: number): void {
    if (timesConsumed === 1) {
      this.counts.consumed++;
      this.endToEnd.record(now - this.messages.intendedAt[message]!);
    } else if (timesConsumed === 2) {
      this.counts.duplicated++;
    }
  }

  depthChanged(_group: number, depth: number): void {
    if (depth > this.maxDepth) this.maxDepth = depth;
  }

  publishingBlocked(blocked: boolean, now: number): void {
    if (blocked) this.blockedSince = now;
    else if (this.blockedSince >= 0) {
      this.blockedMicros += now - this.blockedSince;
      this.blockedSince = -1;
    }
  }

  /** Closes an open blocked interval at the end of the run. */
  finish(now: number): void {
    if (this.blockedSince >= 0) this.publishingBlocked(false, now);
  }
}
