import type { ParallelOptions } from "../parallel/pool.js";
import { metricNamesOf, runTasks } from "../parallel/tasks.js";
import { streamFor } from "../random/streams.js";
import { csvText } from "../report/csv.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { type Interval, meanInterval } from "./confidence.js";

// The metrics are those every task returns (src/parallel/tasks.ts); re-exported where they were first defined.
export { isPatternMetric, METRIC_NAMES, METRICS, metricNamesOf, metricsOf } from "../parallel/tasks.js";

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
 * enough or `max` is reached. `written` is the scenario as written, for runners that send it elsewhere.
 */
export async function replicate(
  scenario: ParsedScenario,
  count: number,
  parallel: ParallelOptions = {},
  target?: PrecisionTarget,
  written?: Record<string, unknown>,
): Promise<ReplicationStudy> {
  const seeds: number[] = [];
  const values: Record<string, number>[] = [];
  let batch = count;
  for (;;) {
    const batchSeeds = replicationSeeds(scenario.seed, batch, seeds.length);
    const first = seeds.length;
    const tasks = batchSeeds.map((seed, i) => ({
      scenario,
      seed,
      label: `replication ${first + i}`,
      ...(written ? { written } : {}),
    }));
    seeds.push(...batchSeeds);
    values.push(...(await runTasks(tasks, parallel)));
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
