import { type ParallelOptions, runAll } from "../parallel/pool.js";
import { streamFor } from "../random/streams.js";
import { csvText } from "../report/csv.js";
import type { Run } from "../report/run.js";
import type { Summary } from "../report/summary.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { type Interval, meanInterval } from "./confidence.js";

/** The metrics replications report, by the summary.json path they come from. */
export const METRICS: readonly { name: string; read: (summary: Summary) => number }[] = [
  { name: "throughput.consumed", read: (s) => s.throughput.consumed },
  { name: "latency.endToEnd.mean", read: (s) => s.latency.endToEnd.mean },
  { name: "latency.endToEnd.p50", read: (s) => s.latency.endToEnd.p50 },
  { name: "latency.endToEnd.p95", read: (s) => s.latency.endToEnd.p95 },
  { name: "latency.endToEnd.p99", read: (s) => s.latency.endToEnd.p99 },
  { name: "latency.endToEnd.max", read: (s) => s.latency.endToEnd.max },
  { name: "latency.queueWait.mean", read: (s) => s.latency.queueWait.mean },
  { name: "latency.queueWait.p99", read: (s) => s.latency.queueWait.p99 },
  { name: "messages.lost", read: (s) => s.messages.lost },
  { name: "messages.duplicated", read: (s) => s.messages.duplicated },
  { name: "messages.pending", read: (s) => s.messages.pending },
  { name: "messages.redeliveries", read: (s) => s.messages.redeliveries },
  { name: "messages.sideEffectsRepeated", read: (s) => s.messages.sideEffectsRepeated },
  { name: "backpressure.maxDepth", read: (s) => s.backpressure.maxDepth },
  { name: "backpressure.maxLag", read: (s) => s.backpressure.maxLag },
  { name: "backpressure.blockedMs", read: (s) => s.backpressure.blockedMs },
];

export const METRIC_NAMES = METRICS.map((m) => m.name);

/** Figures of the application patterns that sweeps and comparisons report, per dependency, group and breaker. */
const PATTERN_FIGURES = {
  dependencies: [
    "calls",
    "amplification",
    "errors",
    "timeouts",
    "unknownOutcomes",
    "effectsApplied",
    "peakConcurrency",
  ],
  retries: ["retries", "gaveUp", "deadLettered", "attemptsPerDelivery"],
  breakers: ["opened", "callsRefused", "openMs"],
  limiters: ["meanDelayMs", "maxDelayMs"],
} as const;

/** Whether a metric name reads a pattern figure (dependencies.payments.amplification), which only some runs have. */
export function isPatternMetric(name: string): boolean {
  return /^(dependencies|retries|breakers|limiters)\.[^.]+(\.[^.]+)*\.[A-Za-z]+$/.test(name);
}

/** The pattern metrics of one run, named by their summary.json path: none when it declares no patterns. */
function patternMetrics(summary: Summary): [string, number][] {
  const metrics: [string, number][] = [];
  for (const section of ["dependencies", "retries", "breakers", "limiters"] as const) {
    const entries = Object.entries((summary[section] ?? {}) as unknown as Record<string, Record<string, unknown>>);
    for (const [name, figures] of entries) {
      for (const figure of PATTERN_FIGURES[section])
        metrics.push([`${section}.${name}.${figure}`, Number(figures[figure])]);
    }
  }
  return metrics;
}

/** Every metric name in some row, the fixed ones first: what a study reports. */
export function metricNamesOf(rows: readonly Record<string, number>[]): string[] {
  const names = new Set<string>(METRIC_NAMES);
  for (const row of rows) for (const name of Object.keys(row)) names.add(name);
  return [...names];
}

/**
 * Seeds of independent replications, derived from the scenario's seed so the
 * whole study replays from one number. Replication i always gets the same
 * seed, however many replications are asked for.
 */
export function replicationSeeds(seed: number, count: number, first = 0): number[] {
  return Array.from({ length: count }, (_, i) => Math.floor(streamFor(seed, `replication:${first + i}`)() * 2 ** 32));
}

export interface ReplicationStudy {
  seeds: number[];
  /** Per replication, per metric name. */
  values: Record<string, number>[];
  intervals: Record<string, Interval>;
  /** Why the study stopped adding replications, when a precision target was set. */
  stopped?: string;
}

export interface PrecisionTarget {
  metric: string;
  /** Relative half-width to reach, e.g. 0.02 for ±2% of the mean. */
  relative: number;
  max: number;
}

/**
 * Runs replications of a scenario, on worker threads when asked, and reduces
 * each to its metrics at once (no run is kept). With a precision target,
 * replications are added in batches until the metric's interval is narrow
 * enough or `max` is reached.
 */
export async function replicate(
  scenario: ParsedScenario,
  count: number,
  parallel: ParallelOptions = {},
  target?: PrecisionTarget,
): Promise<ReplicationStudy> {
  const seeds: number[] = [];
  const values: Record<string, number>[] = [];
  let batch = count;
  for (;;) {
    const batchSeeds = replicationSeeds(scenario.seed, batch, seeds.length);
    const runs = await runAll(
      batchSeeds.map((seed) => ({ ...scenario, seed })),
      {},
      parallel,
    );
    seeds.push(...batchSeeds);
    values.push(...runs.map(metricsOf));
    const intervals = intervalsOf(values);
    if (!target) return { seeds, values, intervals };
    const interval = intervals[target.metric]!;
    const relative = interval.mean === 0 ? 0 : interval.halfWidth / Math.abs(interval.mean);
    if (relative <= target.relative) {
      return { seeds, values, intervals, stopped: `${target.metric} reached ±${pct(relative)} after ${seeds.length}` };
    }
    if (seeds.length >= target.max) {
      return {
        seeds,
        values,
        intervals,
        stopped: `${target.metric} at ±${pct(relative)} when the maximum of ${target.max} was reached`,
      };
    }
    batch = Math.min(
      target.max - seeds.length,
      Math.max(2, Math.ceil(seeds.length * ((relative / target.relative) ** 2 - 1))),
    );
  }
}

export function metricsOf(run: Run): Record<string, number> {
  return Object.fromEntries([...METRICS.map((m) => [m.name, m.read(run.summary)]), ...patternMetrics(run.summary)]);
}

export function intervalsOf(values: readonly Record<string, number>[]): Record<string, Interval> {
  return Object.fromEntries(metricNamesOf(values).map((name) => [name, meanInterval(values.map((v) => v[name]!))]));
}

/** replications.csv: one row per replication, its seed and every metric. */
export function replicationsCsv(study: ReplicationStudy): string {
  const names = metricNamesOf(study.values);
  return csvText([
    ["replication", "seed", ...names],
    ...study.values.map((row, i) => [i, study.seeds[i], ...names.map((name) => row[name])]),
  ]);
}

/** confidence.json: each metric's mean and 95% interval. */
export function confidenceJson(scenario: ParsedScenario, study: ReplicationStudy): string {
  const metrics = Object.fromEntries(
    Object.entries(study.intervals).map(([name, i]) => [
      name,
      { mean: round(i.mean), halfWidth: round(i.halfWidth), low: round(i.low), high: round(i.high), n: i.n },
    ]),
  );
  const document = {
    scenario: scenario.name,
    seed: scenario.seed,
    profile: scenario.broker.profile,
    replications: study.seeds.length,
    confidence: 0.95,
    warmupSeconds: scenario.warmup === "auto" ? "auto" : scenario.warmup / 1e6,
    ...(study.stopped ? { stopped: study.stopped } : {}),
    metrics,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function round(value: number): number | null {
  return Number.isFinite(value) ? Math.round(value * 1e6) / 1e6 : null;
}

function pct(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}
