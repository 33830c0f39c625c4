import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { defaultWorkers } from "../parallel/pool.js";
import { renderChartFiles } from "../report/report.js";
import { reportDirectory } from "../report/write.js";
import { formatIssue } from "../scenario/issues.js";
import { sweepCharts } from "../sweep/charts.js";
import { findSmallest, parseTarget } from "../sweep/find.js";
import { type Parameter, parameterFromSection, parseParameter } from "../sweep/params.js";
import {
  expandGrid,
  mergePartials,
  parsePartial,
  runPoints,
  type SweepPartial,
  type SweepPoint,
  shardPoints,
  sweepCsv,
} from "../sweep/sweep.js";
import { runnerFor, taskProgress } from "./distributed.js";
import { refuseTooManyRuns } from "./flags.js";
import { writeReportUnlessInterrupted } from "./interrupt.js";
import { loadScenarios } from "./load-scenarios.js";
import { checkOutputDirectory, fileSystemReason } from "./paths.js";
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
  const { data, scenario } = loadScenarios([options.file])[0]!;
  checkOutputDirectory(options.out);
  const section = data.sweep as { params?: Record<string, unknown>; replications?: number } | undefined;
  const parameters = parameterList(options.params, section?.params);
  const replications = options.replications ?? section?.replications ?? 1;
  const points = parameters.reduce((product, p) => product * p.values.length, 1);
  refuseTooManyRuns({
    runs: points * replications,
    how: `${points} points × ${replications} replication(s)`,
    maxRuns: scenario.limits.maxRuns,
    flag: "--param values, --replications",
  });
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
  writeReportUnlessInterrupted(directory, files);
  const what = shard
    ? `shard ${shard.index}/${shard.count}: ${points.length} of ${grid.length} points`
    : `${points.length} points`;
  console.log(
    `${name}: ${what}, ${replications} replication(s) each, written to ${relative(process.cwd(), directory)}/`,
  );
}

/**
 * `queuesim merge <dirs...>`: combines shard results into the same sweep.csv one unsharded run writes. A
 * folder may be the one holding the shard files, or the `--out` folder `sweep` was given: its
 * `<scenario>/sweep/` folders are searched too.
 */
export async function commandMerge(directories: readonly string[], out: string): Promise<void> {
  checkOutputDirectory(out);
  const partials: SweepPartial[] = [];
  for (const directory of directories) {
    for (const file of shardFiles(directory)) {
      const partial = parsePartial(readFileSync(file, "utf8"));
      if (typeof partial === "string") throw new UsageError(`${file}: ${partial}`);
      partials.push(partial);
    }
  }
  const sweeps = [...new Set(partials.map((p) => p.scenario))];
  if (sweeps.length > 1) {
    throw new UsageError(
      `the shards found are of ${sweeps.length} sweeps (${sweeps.join(", ")}): name one sweep's folder, e.g. ${join(out, sweeps[0]!, "sweep")}`,
    );
  }
  const merged = mergePartials(partials);
  if (typeof merged === "string") throw new UsageError(merged);
  const directory = join(reportDirectory(out, merged.scenario), "sweep");
  writeReportUnlessInterrupted(directory, await sweepFiles(merged));
  console.log(
    `${merged.scenario}: merged ${partials.length} shard(s), ${merged.points} points, written to ${relative(process.cwd(), directory)}/`,
  );
}

const SHARD_FILE = /^shard-\d+-of-\d+\.json$/;

/** The shard files in a folder, in its sweep/ folder, or in the <scenario>/sweep/ folders of a reports folder. */
function shardFiles(directory: string): string[] {
  const listed = (folder: string): string[] => {
    try {
      return readdirSync(folder)
        .filter((file) => SHARD_FILE.test(file))
        .sort()
        .map((file) => join(folder, file));
    } catch {
      return [];
    }
  };
  let entries: string[];
  try {
    entries = readdirSync(directory).sort();
  } catch (error) {
    throw new UsageError(`merge ${directory}: ${fileSystemReason(error)}; give the folder holding the shard files`);
  }
  const found = [
    ...listed(directory),
    ...listed(join(directory, "sweep")),
    ...entries.flatMap((entry) => listed(join(directory, entry, "sweep"))),
  ];
  if (found.length === 0) {
    throw new UsageError(
      `${directory} holds no shard-*-of-*.json files (nor do its sweep/ or <scenario>/sweep/ folders)`,
    );
  }
  return found;
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
  const parsed =
    fromCli.length > 0
      ? fromCli.map((text) => parseParameter(text))
      : Object.entries(fromScenario ?? {}).map(([path, values]) => parameterFromSection(path, values));
  if (parsed.length === 0)
    throw new UsageError("name at least one --param path=values, or give the scenario a sweep: section");
  return parsed.map((parameter) => {
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
