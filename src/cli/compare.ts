import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { overlayCharts } from "../compare/charts.js";
import {
  buildVariants,
  type ComparisonRow,
  comparisonRows,
  profilesToCompare,
  type Variant,
} from "../compare/compare.js";
import { comparisonHtml } from "../compare/html.js";
import { compareReplicated, differencesCsv, replicatedCsv, replicatedTable } from "../compare/replicated.js";
import { comparisonCsv, comparisonTable } from "../compare/report.js";
import { defaultWorkers, runAll } from "../parallel/pool.js";
import { renderChartFiles, reportFiles } from "../report/report.js";
import type { Run } from "../report/run.js";
import { reportDirectory, writeReportFiles } from "../report/write.js";
import { formatIssue } from "../scenario/issues.js";
import { runnerFor, taskProgress } from "./distributed.js";
import { ExitCode } from "./exit-codes.js";
import { loadScenarios } from "./load-scenarios.js";
import { UsageError } from "./usage.js";

export interface CompareOptions {
  scenario: string;
  profiles: string[] | undefined;
  brokers: string[];
  seed: number | undefined;
  out: string;
  json: boolean;
  workers: number | undefined;
  replications: number | undefined;
  distributed: string | undefined;
}

/** `queuesim compare`: one workload and its faults through several broker profiles. */
export async function commandCompare(options: CompareOptions): Promise<number> {
  const { file, data } = loadScenarios([options.scenario])[0]!;
  const withSeed = options.seed === undefined ? data : { ...data, seed: options.seed };
  const profiles = profilesToCompare(withSeed, options.profiles);
  const built = buildVariants(withSeed, profiles, parseBrokerOptions(options.brokers));
  if (!built.ok) throw new UsageError(built.issues.map((issue) => formatIssue(issue, file)).join("\n"));
  const scenarios = built.variants.map((variant) => variant.scenario);
  const name = scenarios[0]!.name;
  const directory = join(reportDirectory(options.out, name), "compare");
  if (options.replications !== undefined) {
    await compareReplications(built.variants, options.replications, directory, options);
    return ExitCode.ok;
  }
  if (options.distributed !== undefined) {
    throw new UsageError("--distributed runs replications: use it with --replications N");
  }
  const runs = await runAll(scenarios, { series: "auto" }, { workers: options.workers ?? defaultWorkers(scenarios) });
  const rows = comparisonRows(runs);
  writeReportFiles(directory, await comparisonFiles(name, runs, rows));
  if (options.json) console.log(JSON.stringify(rows, null, 2));
  else {
    console.log(`${name}: ${runs.length} profiles, same workload and faults, seed ${runs[0]!.summary.seed}\n`);
    console.log(comparisonTable(rows));
    console.log(`\ncomparison written to ${relative(process.cwd(), join(directory, "compare.csv"))}`);
  }
  return ExitCode.ok;
}

async function compareReplications(
  variants: readonly Variant[],
  replications: number,
  directory: string,
  options: CompareOptions,
): Promise<void> {
  const jobs = variants.flatMap(({ scenario }) => Array.from({ length: replications }, () => scenario));
  const label = `${variants[0]!.scenario.name} compare`;
  const runner = await runnerFor(options.distributed, label);
  const progress = runner ? taskProgress(label) : undefined;
  const comparison = await compareReplicated(variants, replications, {
    workers: options.workers ?? defaultWorkers(jobs),
    ...(runner && progress ? { runner, onDone: progress.update } : {}),
  });
  writeReportFiles(directory, {
    "compare-replications.csv": replicatedCsv(comparison),
    "differences.csv": differencesCsv(comparison),
  });
  console.log(`${variants[0]!.scenario.name}: ${replications} replications per profile\n`);
  console.log(replicatedTable(comparison));
  console.log(`\nwritten to ${relative(process.cwd(), directory)}/`);
}

/** compare.csv, each profile's own report, the overlay charts and compare/index.html. */
async function comparisonFiles(
  name: string,
  runs: Run[],
  rows: ComparisonRow[],
): Promise<Record<string, string | Uint8Array>> {
  const files: Record<string, string | Uint8Array> = { "compare.csv": comparisonCsv(rows) };
  for (const run of runs) {
    for (const [path, content] of Object.entries(await reportFiles(run))) {
      files[`${run.summary.profile}/${path}`] = content;
    }
  }
  const rendered = await renderChartFiles(overlayCharts(runs), files);
  files["index.html"] = comparisonHtml(name, runs[0]!.summary.seed, rows, rendered);
  return files;
}

/** --broker 'kafka={partitions: 12, settings: {enable.auto.commit: false}}', as YAML flow mappings. */
function parseBrokerOptions(values: readonly string[]): Record<string, Record<string, unknown>> {
  const sections: Record<string, Record<string, unknown>> = {};
  for (const value of values) {
    const split = value.indexOf("=");
    const section = split > 0 ? parseYaml(value.slice(split + 1)) : undefined;
    if (split <= 0 || typeof section !== "object" || section === null || Array.isArray(section)) {
      throw new UsageError(`--broker takes profile={...}, e.g. --broker 'kafka={partitions: 12}'; got ${value}`);
    }
    sections[value.slice(0, split)] = section as Record<string, unknown>;
  }
  return sections;
}
