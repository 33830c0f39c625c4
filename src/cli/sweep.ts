import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { defaultWorkers } from "../parallel/pool.js";
import { renderChartFiles } from "../report/report.js";
import { reportDirectory, writeReportFiles } from "../report/write.js";
import { formatIssue } from "../scenario/issues.js";
import { sweepCharts } from "../sweep/charts.js";
import { findSmallest, parseTarget } from "../sweep/find.js";
import { type Parameter, parseParameter } from "../sweep/params.js";
import {
  expandGrid,
  mergePartials,
  runPoints,
  type SweepPartial,
  type SweepPoint,
  shardPoints,
  sweepCsv,
} from "../sweep/sweep.js";
import { runnerFor, taskProgress } from "./distributed.js";
import { loadScenarios } from "./load-scenarios.js";
import { countBar } from "./progress.js";
import { UsageError } from "./usage.js";

export interface SweepOptions {
  file: string;
  params: string[];
  replications: number | undefined;
  shard: string | undefined;
  find: string | undefined;
  workers: number | undefined;
  distributed: string | undefined;
  out: string;
}

/** `queuesim sweep`: a grid of parameter values, each point with replications; or a bisection with --find. */
export async function commandSweep(options: SweepOptions): Promise<void> {
  const { data } = loadScenarios([options.file])[0]!;
  const section = data.sweep as { params?: Record<string, unknown>; replications?: number } | undefined;
  const parameters = parameterList(options.params, section?.params);
  const replications = options.replications ?? section?.replications ?? 1;
  const { sweep: _sweep, ...base } = data;
  const grid = expandGrid(base, parameters);
  if (!grid.ok) throw new UsageError(grid.issues.map((issue) => formatIssue(issue, options.file)).join("\n"));
  if (options.find !== undefined) {
    if (options.distributed !== undefined) throw new UsageError("--distributed runs whole grids: leave out --find");
    await bisect(options.find, parameters, grid.points, replications, options.workers);
    return;
  }
  await runGrid(grid.points, parameters, replications, options);
}

/** --find: the smallest value of the first parameter that meets the target, by bisection. */
async function bisect(
  find: string,
  parameters: Parameter[],
  points: SweepPoint[],
  replications: number,
  workers: number | undefined,
): Promise<void> {
  const target = parseTarget(find);
  if (typeof target === "string") throw new UsageError(target);
  const [searched, ...fixed] = parameters;
  if (!searched || searched.values.some((v) => typeof v !== "number") || fixed.some((p) => p.values.length !== 1)) {
    throw new UsageError(
      "--find bisects the first --param, which needs a numeric range (a..b); other params take one value each",
    );
  }
  const context = fixed.length > 0 ? ` at ${fixed.map((p) => `${p.path}=${String(p.values[0])}`).join(", ")}` : "";
  const answer = await findSmallest({
    path: searched.path,
    values: searched.values as number[],
    target,
    replications,
    context,
    pointAt: (value) => points.find((point) => point.values[0] === value)!,
    parallel: { workers: workers ?? 1 },
  });
  console.log(answer.sentence);
  console.log(
    `  (${answer.evaluated} of ${searched.values.length} values simulated, ${replications} replication(s) each)`,
  );
}

/** The grid, or one shard of it: every point with its replications, written as sweep files or a shard file. */
async function runGrid(
  grid: SweepPoint[],
  parameters: Parameter[],
  replications: number,
  options: SweepOptions,
): Promise<void> {
  const name = grid[0]!.scenario.name;
  const directory = join(reportDirectory(options.out, name), "sweep");
  const shard = parseShard(options.shard);
  const points = shard ? shardPoints(grid, shard) : grid;
  const runner = await runnerFor(options.distributed, `${name} sweep`);
  const progress = runner ? taskProgress(`${name} sweep`) : countBar(`${name} sweep`);
  const workers =
    options.workers ?? defaultWorkers(points.flatMap((p) => Array.from({ length: replications }, () => p.scenario)));
  const results = await runPoints(points, replications, {
    workers,
    onDone: progress.update,
    ...(runner ? { runner } : {}),
  });
  progress.done();
  const partial: SweepPartial = {
    scenario: name,
    parameters: parameters.map((p) => p.path),
    points: grid.length,
    replications,
    results,
  };
  const files: Record<string, string | Uint8Array> = shard
    ? { [`shard-${shard.index}-of-${shard.count}.json`]: `${JSON.stringify(partial)}\n` }
    : await sweepFiles(partial);
  writeReportFiles(directory, files);
  const what = shard
    ? `shard ${shard.index}/${shard.count}: ${points.length} of ${grid.length} points`
    : `${points.length} points`;
  console.log(
    `${name}: ${what}, ${replications} replication(s) each, written to ${relative(process.cwd(), directory)}/`,
  );
}

/** `queuesim merge <dirs...>`: combines shard results into the same sweep.csv one unsharded run writes. */
export async function commandMerge(directories: readonly string[], out: string): Promise<void> {
  const partials: SweepPartial[] = [];
  for (const directory of directories) {
    const shards = readdirSync(directory)
      .filter((file) => /^shard-\d+-of-\d+\.json$/.test(file))
      .sort();
    if (shards.length === 0) throw new UsageError(`${directory} holds no shard-*-of-*.json files`);
    for (const file of shards) partials.push(JSON.parse(readFileSync(join(directory, file), "utf8")) as SweepPartial);
  }
  const merged = mergePartials(partials);
  if (typeof merged === "string") throw new UsageError(merged);
  const directory = join(reportDirectory(out, merged.scenario), "sweep");
  writeReportFiles(directory, await sweepFiles(merged));
  console.log(
    `${merged.scenario}: merged ${partials.length} shard(s), ${merged.points} points, written to ${relative(process.cwd(), directory)}/`,
  );
}

/** sweep.json (the raw results), sweep.csv and the charts: the same files for a whole sweep and for merged shards. */
async function sweepFiles(partial: SweepPartial): Promise<Record<string, string | Uint8Array>> {
  const files: Record<string, string | Uint8Array> = {
    "sweep.json": `${JSON.stringify(partial)}\n`,
    "sweep.csv": sweepCsv(partial),
  };
  await renderChartFiles(sweepCharts(partial), files);
  return files;
}

function parameterList(fromCli: readonly string[], fromScenario: Record<string, unknown> | undefined): Parameter[] {
  const texts =
    fromCli.length > 0
      ? fromCli
      : Object.entries(fromScenario ?? {}).map(
          ([path, values]) => `${path}=${Array.isArray(values) ? values.join(",") : String(values)}`,
        );
  if (texts.length === 0)
    throw new UsageError("name at least one --param path=values, or give the scenario a sweep: section");
  return texts.map((text) => {
    const parameter = parseParameter(text);
    if (typeof parameter === "string") throw new UsageError(parameter);
    return parameter;
  });
}

function parseShard(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || index < 1 || index > count)
    throw new UsageError(`--shard takes i/n with 1 <= i <= n, e.g. 2/4; got ${text}`);
  return { index, count };
}
