import type { ParallelOptions } from "../parallel/pool.js";
import { runTasks } from "../parallel/tasks.js";
import { csvText } from "../report/csv.js";
import { type Interval, meanInterval } from "../stats/confidence.js";
import { metricNamesOf, replicationSeeds } from "../stats/replications.js";
import type { Variant } from "./compare.js";

/** Metrics shown in the replicated comparison table and tested for differences. */
export const COMPARED = [
  "throughput.consumed",
  "latency.endToEnd.p50",
  "latency.endToEnd.p99",
  "latency.endToEnd.max",
  "backpressure.maxLag",
  "messages.lost",
  "messages.duplicated",
  "messages.sideEffectsRepeated",
] as const;

export interface ReplicatedComparison {
  replications: number;
  profiles: string[];
  /** profile → metric → interval over replications. */
  intervals: Record<string, Record<string, Interval>>;
  /** Paired differences (first − second) for every pair of profiles and compared metric. */
  differences: { first: string; second: string; metric: string; difference: Interval; significant: boolean }[];
}

/**
 * Runs every profile on the same replication seeds. Replication i of every
 * profile sees the same arrivals, keys, processing times and faults (common
 * random numbers), so the per-replication difference between two profiles
 * cancels most of the noise: the paired interval is much narrower than the
 * two separate ones, and a difference is significant when it excludes zero.
 */
export async function compareReplicated(
  variants: readonly Variant[],
  replications: number,
  parallel: ParallelOptions = {},
): Promise<ReplicatedComparison> {
  const seeds = replicationSeeds(variants[0]!.scenario.seed, replications);
  const tasks = variants.flatMap(({ profile, scenario, written }) =>
    seeds.map((seed, r) => ({ scenario, written, seed, label: `${profile}, replication ${r}` })),
  );
  const runs = await runTasks(tasks, parallel);
  const values = variants.map((_, v) => runs.slice(v * replications, (v + 1) * replications));
  const profiles = variants.map((variant) => variant.profile);
  const intervals = Object.fromEntries(
    profiles.map((profile, v) => [
      profile,
      Object.fromEntries(
        metricNamesOf(values.flat()).map((metric) => [metric, meanInterval(values[v]!.map((row) => row[metric]!))]),
      ),
    ]),
  );
  const differences: ReplicatedComparison["differences"] = [];
  for (let a = 0; a < profiles.length; a++) {
    for (let b = a + 1; b < profiles.length; b++) {
      for (const metric of COMPARED) {
        const paired = values[a]!.map((row, i) => row[metric]! - values[b]![i]![metric]!);
        const difference = meanInterval(paired);
        const significant = Number.isFinite(difference.halfWidth) && (difference.low > 0 || difference.high < 0);
        differences.push({ first: profiles[a]!, second: profiles[b]!, metric, difference, significant });
      }
    }
  }
  return { replications, profiles, intervals, differences };
}

/**
 * compare-replications.csv: the compared metrics, then every other metric some replication had (pattern,
 * stage, schedule, delay and batch figures, docs/patterns.md), each as a mean and a half-width.
 */
export function replicatedCsv(comparison: ReplicatedComparison): string {
  const first = comparison.intervals[comparison.profiles[0]!] ?? {};
  const others = Object.keys(first).filter((metric) => !(COMPARED as readonly string[]).includes(metric));
  const metrics = [...COMPARED, ...others];
  const header = ["profile", ...metrics.flatMap((m) => [`${m}.mean`, `${m}.half_width`])];
  const rows = comparison.profiles.map((profile) => [
    profile,
    ...metrics.flatMap((metric) => {
      const i = comparison.intervals[profile]![metric]!;
      return [round(i.mean), round(i.halfWidth)];
    }),
  ]);
  return csvText([header, ...rows]);
}

export function differencesCsv(comparison: ReplicatedComparison): string {
  return csvText([
    ["first", "second", "metric", "mean_difference", "half_width", "low", "high", "significant"],
    ...comparison.differences.map((d) => [
      d.first,
      d.second,
      d.metric,
      round(d.difference.mean),
      round(d.difference.halfWidth),
      round(d.difference.low),
      round(d.difference.high),
      d.significant,
    ]),
  ]);
}

/** The table and the significant differences, for the terminal. */
export function replicatedTable(comparison: ReplicatedComparison): string {
  const short = ["msg/s", "p50 ms", "p99 ms", "max ms", "max lag", "lost", "dup", "repeated"];
  const cells = comparison.profiles.map((profile) => [
    profile,
    ...COMPARED.map((metric) => {
      const i = comparison.intervals[profile]![metric]!;
      return `${compact(i.mean)} ± ${compact(i.halfWidth)}`;
    }),
  ]);
  const headers = ["profile", ...short];
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  const lines = [line(headers), ...cells.map(line), "", "paired differences (95%, common random numbers):"];
  for (const d of comparison.differences) {
    const verdict = d.significant ? "significant" : "not significant";
    lines.push(
      `  ${d.metric}: ${d.first} − ${d.second} = ${compact(d.difference.mean)} ± ${compact(d.difference.halfWidth)}  ${verdict}`,
    );
  }
  return lines.join("\n");
}

function compact(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  if (value === 0) return "0";
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

function round(value: number): number | string {
  return Number.isFinite(value) ? Math.round(value * 1e6) / 1e6 : "";
}
