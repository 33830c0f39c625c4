import type { MessageTable } from "../model/messages.js";
import { NullObserver } from "../model/observer.js";
import { type LatencySnapshot, LatencyStats } from "./latency.js";

/** Latency of the messages of one priority. */
export interface PriorityLatency {
  priority: number;
  endToEnd: LatencySnapshot;
  queueWait: LatencySnapshot;
}

/**
 * End-to-end latency and queue wait split by message priority (as the
 * producer set it, before a queue clamps it to its x-max-priority), with the
 * same rules as the overall figures: first delivery and first consumption
 * only, warm-up excluded. Attached only when some producer sets priorities.
 */
export class PriorityLatencyRecorder extends NullObserver {
  private messages: MessageTable | null = null;
  /** Index = priority; created on the first sample, so only priorities that occur are reported. */
  private readonly endToEnd: (LatencyStats | undefined)[] = [];
  private readonly queueWait: (LatencyStats | undefined)[] = [];

  constructor(private readonly warmup: number) {
    super();
  }

  watch(messages: MessageTable): void {
    this.messages = messages;
  }

  override delivered(message: number, _group: number, _consumer: number, attempt: number, queueWait: number): void {
    if (attempt > 1 || !this.counts(message)) return;
    statsFor(this.queueWait, this.priorityOf(message)).record(queueWait);
  }

  override consumed(message: number, _group: number, _consumer: number, timesConsumed: number, now: number): void {
    if (timesConsumed !== 1 || !this.counts(message)) return;
    statsFor(this.endToEnd, this.priorityOf(message)).record(
      now - this.messages!.intendedAt[this.messages!.slot(message)]!,
    );
  }

  /** Every priority that has a sample, lowest first. */
  finish(): PriorityLatency[] {
    const found: PriorityLatency[] = [];
    const levels = Math.max(this.endToEnd.length, this.queueWait.length);
    for (let priority = 0; priority < levels; priority++) {
      const endToEnd = this.endToEnd[priority];
      const queueWait = this.queueWait[priority];
      if (endToEnd === undefined && queueWait === undefined) continue;
      found.push({
        priority,
        endToEnd: (endToEnd ?? new LatencyStats()).snapshot(),
        queueWait: (queueWait ?? new LatencyStats()).snapshot(),
      });
    }
    return found;
  }

  private counts(message: number): boolean {
    return this.messages!.intendedAt[this.messages!.slot(message)]! >= this.warmup;
  }

  private priorityOf(message: number): number {
    return this.messages!.priorityOf(message);
  }
}

function statsFor(byPriority: (LatencyStats | undefined)[], priority: number): LatencyStats {
  let stats = byPriority[priority];
  if (stats === undefined) {
    stats = new LatencyStats();
    byPriority[priority] = stats;
  }
  return stats;
}
