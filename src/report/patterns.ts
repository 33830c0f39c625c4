import type { BreakerState } from "../patterns/breaker.js";
import type { DependencyFigures } from "../patterns/dependency.js";
import {
  amplificationOf,
  attemptsPerDeliveryOf,
  type PatternFigures,
  type RetryFigures,
} from "../patterns/retry-figures.js";
import { microsToMillis } from "../units/units.js";

/** summary.json `dependencies.<name>`: what one downstream service saw (docs/output.md#dependencies). */
export interface DependencySummary extends Omit<DependencyFigures, "messages"> {
  /** Distinct (message, group) pairs that called it at least once. */
  messages: number;
  /** Retry amplification: calls per calling message (1 when nothing was retried). */
  amplification: number;
}

/** summary.json `retries.<group>`: what a group's retry policy did (docs/output.md#retries). */
export interface RetrySummary {
  processed: number;
  /** Deliveries by the number of attempts their processing took: {"1": ..., "2": ...}. */
  attempts: Record<string, number>;
  /** Mean attempts per processed delivery. */
  attemptsPerDelivery: number;
  retries: number;
  gaveUp: number;
  deadLettered: number;
  parked: number;
  dropped: number;
  nacked: number;
  backoffMs: number;
  /** Of `retries`: those handed back to the broker to wait out the backoff (`retry: {via: broker}` only). */
  viaBroker?: number;
  /** DLQ redrives (only for a group that declares `redrive:`): moves back to the queue, and what became of them. */
  redriven?: number;
  redrivenConsumed?: number;
  redrivenDeadLettered?: number;
}

/** summary.json `breakers.<group>/<dependency>`: what a circuit breaker did (docs/output.md#breakers). */
export interface BreakerSummary {
  opened: number;
  halfOpened: number;
  closed: number;
  callsRefused: number;
  /** Time spent open or half-open. */
  openMs: number;
  /** Every change of state, in order. */
  transitions: { atMs: number; state: BreakerState }[];
}

export function breakerSummaries(figures: PatternFigures): Record<string, BreakerSummary> {
  const summaries: Record<string, BreakerSummary> = {};
  for (const [name, breaker] of Object.entries(figures.breakers)) {
    summaries[name] = {
      opened: breaker.opened,
      halfOpened: breaker.halfOpened,
      closed: breaker.closed,
      callsRefused: breaker.callsRefused,
      openMs: microsToMillis(breaker.openMicros),
      transitions: breaker.transitions.map((t) => ({ atMs: microsToMillis(t.at), state: t.state })),
    };
  }
  return summaries;
}

/**
 * summary.json `limiters.<group>` and `limiters.<producer>`: how long a rate limit made deliveries or publishes
 * wait (docs/output.md#limiters); a producer's also says how many messages its client held at most.
 */
export interface LimiterSummary {
  acquired: number;
  delayed: number;
  delayMs: number;
  meanDelayMs: number;
  maxDelayMs: number;
  maxWaiting?: number;
}

export function limiterSummaries(figures: PatternFigures): Record<string, LimiterSummary> {
  const summaries: Record<string, LimiterSummary> = {};
  for (const [group, limiter] of Object.entries(figures.limiters)) {
    summaries[group] = {
      acquired: limiter.acquired,
      delayed: limiter.delayed,
      delayMs: microsToMillis(limiter.delayMicros),
      meanDelayMs: limiter.acquired === 0 ? 0 : microsToMillis(limiter.delayMicros / limiter.acquired),
      maxDelayMs: microsToMillis(limiter.maxDelayMicros),
      ...("maxWaiting" in limiter ? { maxWaiting: limiter.maxWaiting as number } : {}),
    };
  }
  return summaries;
}

export function dependencySummaries(figures: PatternFigures): Record<string, DependencySummary> {
  const summaries: Record<string, DependencySummary> = {};
  for (const [name, dependency] of Object.entries(figures.dependencies)) {
    summaries[name] = {
      ...dependency,
      amplification: round(amplificationOf(dependency), 4),
    };
  }
  return summaries;
}

export function retrySummaries(figures: PatternFigures): Record<string, RetrySummary> {
  const summaries: Record<string, RetrySummary> = {};
  for (const [group, retry] of Object.entries(figures.retries)) summaries[group] = retrySummary(retry);
  return summaries;
}

function retrySummary(retry: RetryFigures): RetrySummary {
  const attempts: Record<string, number> = {};
  retry.attempts.forEach((count, n) => {
    if (n > 0 && count > 0) attempts[String(n)] = count;
  });
  return {
    processed: retry.processed,
    attempts,
    attemptsPerDelivery: round(attemptsPerDeliveryOf(retry), 4),
    retries: retry.retries,
    gaveUp: retry.gaveUp,
    deadLettered: retry.deadLettered,
    parked: retry.parked,
    dropped: retry.dropped,
    nacked: retry.nacked,
    backoffMs: microsToMillis(retry.backoffMicros),
    ...(retry.viaBroker === undefined ? {} : { viaBroker: retry.viaBroker }),
    ...(retry.redrive ?? {}),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
