import type { CheckResult } from "../checks/checks.js";
import type { FaultEffects } from "../faults/registry.js";
import type { PriorityLatency } from "../metrics/by-priority.js";
import { type LatencySnapshot, percentileOf } from "../metrics/latency.js";
import type { PatternFigures } from "../patterns/retry-figures.js";
import type { RunResult } from "../run/simulate.js";
import { microsToMillis } from "../units/units.js";
import { type BatchSummary, batchSummaries, type PublishBatchSummary, publishBatchSummaries } from "./batches.js";
import { type BrokerSummary, brokerSummaries } from "./brokers.js";
import { type OutboxSummary, outboxSummaries } from "./outbox.js";
import {
  type BreakerSummary,
  breakerSummaries,
  type DependencySummary,
  dependencySummaries,
  type LimiterSummary,
  limiterSummaries,
  type RetrySummary,
  retrySummaries,
} from "./patterns.js";
import { type RequestSummary, requestSummaries } from "./requests.js";
import { type SagaSummary, sagaSummaries } from "./sagas.js";
import { type DelaySummary, delaySummary, type ScheduleSummary, scheduleSummaries } from "./schedules.js";
import { type EndToEndSummary, type StageSummary, stageSummaries } from "./stages.js";

/**
 * The summary.json document. Field names are a public contract documented in
 * docs/output.md; later versions add fields but never rename these. Nothing
 * here depends on the wall clock, the host or file paths, so the same scenario
 * and seed give the same bytes everywhere.
 */
export interface Summary {
  summaryVersion: 1;
  scenario: string;
  seed: number;
  profile: string;
  simulated: { seconds: number; events: number; drained: boolean };
  /** Latency figures leave out messages published before `seconds`; `discardedSamples` says how many. */
  warmup: { seconds: number; discardedSamples: number };
  messages: {
    published: number;
    confirmed: number;
    rejected: number;
    consumed: number;
    deliveries: number;
    redeliveries: number;
    lost: number;
    duplicated: number;
    unexpected: number;
    deadLettered: number;
    dropped: number;
    pending: number;
    sideEffectsRepeated: number;
    outOfOrder: number;
    republished: number;
    deduplicated: number;
    recovered: number;
    unknown: number;
    /** (message, group) pairs an exchange routed elsewhere: the group never expected them. Only when some were. */
    notRouted?: number;
  };
  latency: {
    endToEnd: LatencySummary;
    queueWait: LatencySummary;
    /** Per message priority (as published), only when some producer sets priorities. */
    byPriority?: Record<string, { endToEnd: LatencySummary; queueWait: LatencySummary }>;
  };
  throughput: { published: number; consumed: number };
  backpressure: { maxDepth: number; maxLag: number; blockedMs: number; rejected: number };
  /** Per declared dependency (docs/patterns.md); only when the scenario declares some. */
  dependencies?: Record<string, DependencySummary>;
  /** Per consumer group with steps: its retry policy's figures; only when some group has steps. */
  retries?: Record<string, RetrySummary>;
  /** Per circuit breaker (group/dependency); only when some group declares one. */
  breakers?: Record<string, BreakerSummary>;
  /** Per consumer group, then per producer, with a rate limit: the waits it caused. */
  limiters?: Record<string, LimiterSummary>;
  /** Per producer with `writes:` (dual write or outbox); only when some producer declares them. */
  outbox?: Record<string, OutboxSummary>;
  /** Per producer with `request:`: its requests, replies, timeouts and duplicate executions. */
  requests?: Record<string, RequestSummary>;
  /** Per recurring producer (a `schedule`): its ticks and their start lateness. */
  schedules?: Record<string, ScheduleSummary>;
  /** The broker's delayed messages, when a producer declares `delay` or `notBefore`. */
  delays?: DelaySummary;
  /** Per consumer group as a pipeline stage; only when some group publishes onward (docs/patterns.md, "Flows"). */
  stages?: Record<string, StageSummary>;
  /** Flows from each producer's message to the last stages; only with stages. */
  endToEnd?: EndToEndSummary;
  /** Per broker (main, then those of `brokers:`); only when the scenario declares further brokers. */
  brokers?: Record<string, BrokerSummary>;
  /** Per consumer group with `batch:`: its batches (docs/patterns.md, "Batching"); only when some group batches. */
  batches?: Record<string, BatchSummary>;
  /** Per producer with `batch:`: its batch requests; only when some producer batches. */
  publishBatches?: Record<string, PublishBatchSummary>;
  /** Per saga by name: its outcomes (docs/patterns.md, "Sagas"); only when the scenario declares sagas. */
  sagas?: Record<string, SagaSummary>;
  faults: FaultSummary[];
  checks: CheckResult[];
  passed: boolean;
}

/** One fault occurrence, with its window in milliseconds, for reports to shade. */
export interface FaultSummary {
  fault: number;
  kind: string;
  target: string;
  startMs: number;
  endMs: number;
  /** What the occurrence did, named per kind (docs/output.md#faults). */
  effects: FaultEffects;
}

/** Latency figures in milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function buildSummary(result: RunResult, checks: CheckResult[]): Summary {
  const { scenario, counts } = result;
  const seconds = result.endedAt / 1e6;
  return {
    summaryVersion: 1,
    scenario: scenario.name,
    seed: scenario.seed,
    profile: scenario.broker.profile,
    simulated: { seconds: round(seconds, 6), events: result.events, drained: result.drained },
    warmup: { seconds: scenario.warmup / 1e6, discardedSamples: result.warmupDiscarded },
    messages: {
      published: counts.published,
      confirmed: counts.accepted,
      rejected: counts.rejected,
      consumed: counts.consumed,
      deliveries: counts.deliveries,
      redeliveries: counts.redeliveries,
      lost: counts.lost,
      duplicated: counts.duplicated,
      unexpected: counts.unexpected,
      deadLettered: counts.deadLettered,
      dropped: counts.dropped,
      pending: counts.pending,
      sideEffectsRepeated: counts.sideEffectsRepeated,
      outOfOrder: result.outOfOrder,
      republished: counts.republished,
      deduplicated: counts.deduplicated,
      recovered: counts.recovered,
      unknown: counts.unknown,
      // Only exchanges that route by key (RabbitMQ direct and topic) leave a group out.
      ...(counts.notRouted > 0 ? { notRouted: counts.notRouted } : {}),
    },
    latency: {
      endToEnd: latencySummary(result.endToEnd),
      queueWait: latencySummary(result.queueWait),
      ...(result.byPriority ? { byPriority: byPrioritySummary(result.byPriority) } : {}),
    },
    throughput: {
      published: round(counts.published / (scenario.duration / 1e6), 3),
      consumed: round(result.consumedDuringRun / (scenario.duration / 1e6), 3),
    },
    backpressure: {
      maxDepth: result.maxDepth,
      maxLag: result.maxLag,
      blockedMs: microsToMillis(result.blockedMicros),
      rejected: counts.rejected,
    },
    ...(result.patterns ? patternSummaries(result.patterns) : {}),
    ...(result.outbox ? { outbox: outboxSummaries(result.outbox, latencySummary) } : {}),
    ...(result.schedules ? { schedules: scheduleSummaries(result.schedules) } : {}),
    ...(result.delays ? { delays: delaySummary(result.delays) } : {}),
    ...stageSummaries(result, latencySummary),
    ...brokerSummaries(result),
    ...(result.batches ? { batches: batchSummaries(result.batches) } : {}),
    ...(result.publishBatches ? { publishBatches: publishBatchSummaries(result.publishBatches) } : {}),
    ...sagaSummaries(result),
    ...(result.requests ? { requests: requestSummaries(result.requests, latencySummary) } : {}),
    faults: result.faults.map((f) => ({
      fault: f.fault,
      kind: f.kind,
      target: f.target,
      startMs: microsToMillis(f.start),
      endMs: microsToMillis(f.end),
      effects: f.effects,
    })),
    checks,
    passed: checks.every((check) => check.passed),
  };
}

function patternSummaries(
  figures: PatternFigures,
): Pick<Summary, "dependencies" | "retries" | "breakers" | "limiters"> {
  return {
    dependencies: dependencySummaries(figures),
    retries: retrySummaries(figures),
    ...(Object.keys(figures.breakers).length > 0 ? { breakers: breakerSummaries(figures) } : {}),
    ...(Object.keys(figures.limiters).length > 0 ? { limiters: limiterSummaries(figures) } : {}),
  };
}

/**
 * Whether the run counted out-of-order consumptions: only when the scenario states `expect.ordering`
 * (then a check named "ordering: ..." is present). Otherwise `outOfOrder` is 0 without meaning "in order".
 */
export function orderingChecked(summary: Summary): boolean {
  return summary.checks.some((check) => check.name.startsWith("ordering:"));
}

function latencySummary(stats: LatencySnapshot): LatencySummary {
  return {
    count: stats.count,
    mean: microsToMillis(stats.mean),
    p50: microsToMillis(percentileOf(stats, 50)),
    p95: microsToMillis(percentileOf(stats, 95)),
    p99: microsToMillis(percentileOf(stats, 99)),
    max: microsToMillis(stats.max),
  };
}

function byPrioritySummary(levels: PriorityLatency[]): NonNullable<Summary["latency"]["byPriority"]> {
  const summary: NonNullable<Summary["latency"]["byPriority"]> = {};
  for (const level of levels) {
    summary[String(level.priority)] = {
      endToEnd: latencySummary(level.endToEnd),
      queueWait: latencySummary(level.queueWait),
    };
  }
  return summary;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
