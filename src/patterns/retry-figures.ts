import type { BreakerFigures } from "./breaker.js";
import type { DependencyFigures, DependencySeries } from "./dependency.js";
import type { LimiterFigures } from "./limiter.js";
import type { RedriveFigures } from "./redrive.js";

/** What a consumer group's retry policy did over the run: plain numbers for summary.json. */
export interface RetryFigures {
  /** Deliveries processed through the group's steps (each ends completed or given up). */
  processed: number;
  /** Index n: deliveries whose processing took n attempts (index 0 unused); via the broker, n is the receive count. */
  attempts: number[];
  /** Retries scheduled (attempts after the first). */
  retries: number;
  /** Deliveries that ran out of attempts or met a failure not worth retrying. */
  gaveUp: number;
  /** Of those: dead-lettered, parked, dropped or nacked back to the broker by the policy. */
  deadLettered: number;
  parked: number;
  dropped: number;
  nacked: number;
  /** Total time spent waiting between attempts (µs). */
  backoffMicros: number;
  /** Of `retries`: those handed back to the broker (`retry: {via: broker}` only). */
  viaBroker?: number;
  /** What the group's DLQ redrives did; only for a group that declares `redrive:`. */
  redrive?: RedriveFigures;
}

export function emptyRetryFigures(): RetryFigures {
  return {
    processed: 0,
    attempts: [0],
    retries: 0,
    gaveUp: 0,
    deadLettered: 0,
    parked: 0,
    dropped: 0,
    nacked: 0,
    backoffMicros: 0,
  };
}

/** The run's pattern figures, by dependency name and by consumer group name (groups with steps only). */
export interface PatternFigures {
  dependencies: Record<string, DependencyFigures>;
  retries: Record<string, RetryFigures>;
  /** By breaker name (group/dependency). */
  breakers: Record<string, BreakerFigures>;
  /** By consumer group, for groups with a rate limit. */
  limiters: Record<string, LimiterFigures>;
  /** By dependency name: calls and failures per interval, when the run records a time series. */
  series: Record<string, DependencySeries>;
}

/** Retry amplification: calls per calling message (0 when nothing called). */
export function amplificationOf(figures: DependencyFigures): number {
  return figures.messages === 0 ? 0 : figures.calls / figures.messages;
}

/** Mean attempts per processed delivery (0 when none was processed). */
export function attemptsPerDeliveryOf(figures: RetryFigures): number {
  let total = 0;
  figures.attempts.forEach((count, attempts) => {
    total += attempts * count;
  });
  return figures.processed === 0 ? 0 : total / figures.processed;
}
