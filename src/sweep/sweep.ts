import * as z from "zod";
import type { ParallelOptions } from "../parallel/pool.js";
import { runTasks } from "../parallel/tasks.js";
import { csvText } from "../report/csv.js";
import type { ScenarioIssue } from "../scenario/issues.js";
import { validateScenario } from "../scenario/load.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { meanInterval } from "../stats/confidence.js";
import { metricNamesOf, replicationSeeds } from "../stats/replications.js";
import { type Parameter, withParameter } from "./params.js";

/** One point of the grid: its index, the parameter values, and the scenario they make (validated, and as written). */
export interface SweepPoint {
  index: number;
  values: unknown[];
  scenario: ParsedScenario;
  written: Record<string, unknown>;
}

/** Every metric of every replication of one point. */
export interface PointResult {
  index: number;
  values: unknown[];
  replications: Record<string, number>[];
}

/** What a shard (or a whole sweep) produced: enough to write the same CSV, whoever ran which points. */
export interface SweepPartial {
  scenario: string;
  parameters: string[];
  points: number;
  replications: number;
  results: PointResult[];
}

/** Expands the grid (first parameter varies slowest) and validates every point's scenario. */
export function expandGrid(
  data: Record<string, unknown>,
  parameters: readonly Parameter[],
): { ok: true; points: SweepPoint[] } | { ok: false; issues: ScenarioIssue[] } {
  let combinations: unknown[][] = [[]];
  for (const parameter of parameters) {
    combinations = combinations.flatMap((prefix) => parameter.values.map((value) => [...prefix, value]));
  }
  const points: SweepPoint[] = [];
  const issues: ScenarioIssue[] = [];
  combinations.forEach((values, index) => {
    let variant: Record<string, unknown> | string = data;
    parameters.forEach((parameter, i) => {
      if (typeof variant !== "string") variant = withParameter(variant, parameter.path, values[i]);
    });
    if (typeof variant === "string") {
      issues.push({ code: "invalid", path: ["sweep"], message: variant });
      return;
    }
    const result = validateScenario(variant);
    const label = parameters.map((p, i) => `${p.path}=${String(values[i])}`).join(", ");
    if (result.ok) points.push({ index, values, scenario: result.scenario, written: variant });
    else issues.push(...result.issues.map((issue) => ({ ...issue, message: `at ${label}: ${issue.message}` })));
  });
  return issues.length > 0 ? { ok: false, issues: dedupeMessages(issues) } : { ok: true, points };
}

/** The points a shard runs: every n-th point, starting at shard i (1-based). */
export function shardPoints(points: readonly SweepPoint[], shard: { index: number; count: number }): SweepPoint[] {
  return points.filter((point) => point.index % shard.count === shard.index - 1);
}

/**
 * Runs points, each with `replications` replications. Every point uses the
 * same replication seeds (common random numbers), so differences between
 * points come from the parameters, not from noise.
 */
export async function runPoints(
  points: readonly SweepPoint[],
  replications: number,
  parallel: ParallelOptions = {},
): Promise<PointResult[]> {
  const tasks = points.flatMap((point) =>
    replicationSeeds(point.scenario.seed, replications).map((seed, r) => ({
      scenario: point.scenario,
      written: point.written,
      seed,
      label: `point ${point.index}, replication ${r}`,
    })),
  );
  const runs = await runTasks(tasks, parallel);
  return points.map((point, p) => ({
    index: point.index,
    values: point.values,
    replications: runs.slice(p * replications, (p + 1) * replications),
  }));
}

/** What a shard file must hold; anything else (truncated, hand-edited, another tool's JSON) is refused. */
const partialSchema = z.strictObject({
  scenario: z.string(),
  parameters: z.array(z.string()).min(1),
  points: z.number().int().positive(),
  replications: z.number().int().positive(),
  results: z.array(
    z.strictObject({
      index: z.number().int().min(0),
      values: z.array(z.unknown()),
      replications: z.array(z.record(z.string(), z.number().nullable())),
    }),
  ),
});

/** Reads a shard file's text: the partial results, or why they cannot be used. */
export function parsePartial(text: string): SweepPartial | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return `not complete JSON (was the file cut short?): ${(error as Error).message}`;
  }
  const parsed = partialSchema.safeParse(data);
  if (parsed.success) return parsed.data as SweepPartial;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
  return `not a sweep shard: ${where}: ${issue.message}`;
}

/** Combines partial results (shards) into one, checking they belong to the same sweep and cover it once. */
export function mergePartials(partials: readonly SweepPartial[]): SweepPartial | string {
  const first = partials[0];
  if (!first) return "nothing to merge";
  for (const partial of partials) {
    const same =
      partial.scenario === first.scenario &&
      partial.points === first.points &&
      partial.replications === first.replications &&
      partial.parameters.join("\u0000") === first.parameters.join("\u0000");
    if (!same) return `the partial results are of different sweeps (${first.scenario} and ${partial.scenario})`;
  }
  const results = partials.flatMap((p) => p.results).sort((a, b) => a.index - b.index);
  const indexes = results.map((r) => r.index);
  const stray = results.find((r) => r.index >= first.points || r.values.length !== first.parameters.length);
  if (stray)
    return `point ${stray.index} does not belong to a sweep of ${first.points} points over ${first.parameters.join(", ")}`;
  const missing = Array.from({ length: first.points }, (_, i) => i).filter((i) => !indexes.includes(i));
  if (missing.length > 0) return `points ${missing.join(", ")} are missing: merge every shard`;
  if (new Set(indexes).size !== indexes.length) return "some points appear in more than one partial result";
  return { ...first, results };
}

/** sweep.csv: tidy, one row per point and metric, with the mean and 95% interval over replications. */
export function sweepCsv(partial: SweepPartial): string {
  const header = ["point", ...partial.parameters, "metric", "mean", "half_width", "low", "high", "replications"];
  const names = metricNamesOf(partial.results.flatMap((result) => result.replications));
  const rows = partial.results.flatMap((result) =>
    names.map((metric) => {
      const interval = meanInterval(result.replications.map((r) => r[metric]!));
      const finite = (v: number) => (Number.isFinite(v) ? round(v) : "");
      return [
        result.index,
        ...result.values.map(cellOf),
        metric,
        round(interval.mean),
        finite(interval.halfWidth),
        finite(interval.low),
        finite(interval.high),
        interval.n,
      ];
    }),
  );
  return csvText([header, ...rows]);
}

/** A parameter value as a cell: numbers stay numbers (csvText neutralises text, never a number). */
function cellOf(value: unknown): string | number {
  if (typeof value === "number" || typeof value === "string") return value;
  return JSON.stringify(value) ?? String(value);
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function dedupeMessages(issues: ScenarioIssue[]): ScenarioIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => !seen.has(issue.message) && seen.add(issue.message) !== undefined);
}
