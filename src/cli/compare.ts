import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { profiles as allProfiles } from "../brokers/profiles.js";
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
import { type StageRow, stageRows, stagesCsv, stagesHtml, stagesTable } from "../compare/stages.js";
import { defaultWorkers, runAll } from "../parallel/pool.js";
import { messageLineages } from "../pipeline/lineage.js";
import { junitXml, writeJunitFile } from "../report/junit.js";
import { lineageName } from "../report/lineage-chart.js";
import { replayCommand } from "../report/replay.js";
import { renderChartFiles, reportFiles } from "../report/report.js";
import type { Run } from "../report/run.js";
import { reportDirectory } from "../report/write.js";
import { closestMatch, formatIssue } from "../scenario/issues.js";
import { runnerFor, taskProgress } from "./distributed.js";
import { ExitCode } from "./exit-codes.js";
import { refuseTooManyRuns } from "./flags.js";
import { writeReportUnlessInterrupted } from "./interrupt.js";
import { loadScenarios } from "./load-scenarios.js";
import { checkOutputDirectory } from "./paths.js";
import { UsageError } from "./usage.js";

export interface CompareOptions {
  scenario: string;
  profiles: string[] | undefined;
  brokers: string[];
  seed: number | undefined;
  out: string;
  json: boolean;
  /** Write every profile's checks as JUnit XML to this file, one test suite per profile. */
  junit?: string | undefined;
  workers: number | undefined;
  replications: number | undefined;
  distributed: string | undefined;
}

/** `queuesim compare`: one workload and its faults through several broker profiles. */
export async function commandCompare(options: CompareOptions): Promise<number> {
  const { file, data, scenario: loadedScenario } = loadScenarios([options.scenario])[0]!;
  checkOutputDirectory(options.out);
  const withSeed = options.seed === undefined ? data : { ...data, seed: options.seed };
  const profiles = profilesToCompare(withSeed, options.profiles);
  const overrides = parseBrokerOptions(options.brokers);
  refuseUncomparedBrokers(Object.keys(overrides), profiles);
  const replications = options.replications ?? 1;
  refuseTooManyRuns({
    runs: profiles.length * replications,
    how: `${profiles.length} profiles × ${replications} replication(s)`,
    maxRuns: loadedScenario.limits.maxRuns,
    flag: "--profiles, --replications",
  });
  const built = buildVariants(withSeed, profiles, overrides);
  if (!built.ok) throw new UsageError(built.issues.map((issue) => formatIssue(issue, file)).join("\n"));
  const scenarios = built.variants.map((variant) => variant.scenario);
  const name = scenarios[0]!.name;
  const directory = join(reportDirectory(options.out, name), "compare");
  if (options.replications !== undefined) {
    if (options.junit !== undefined) throw new UsageError("--junit reports single runs: leave out --replications");
    await compareReplications(built.variants, options.replications, directory, options);
    return ExitCode.ok;
  }
  if (options.distributed !== undefined) {
    throw new UsageError("--distributed runs replications: use it with --replications N");
  }
  const runs = await runAll(scenarios, { series: "auto" }, { workers: options.workers ?? defaultWorkers(scenarios) });
  const rows = comparisonRows(runs);
  const stages = stageRows(runs);
  const replay = (profile: string) =>
    replayCommand("compare", file, runs[0]!.summary.seed, [
      "--profiles",
      profile,
      ...options.brokers.flatMap((broker) => ["--broker", broker]),
    ]);
  writeReportUnlessInterrupted(directory, await comparisonFiles(name, runs, { rows, stages }, replay));
  if (options.junit !== undefined) {
    const suites = runs.map((run) => ({
      name: `${name}.${run.summary.profile}`,
      summary: run.summary,
      replay: replay(run.summary.profile),
    }));
    writeJunitFile(options.junit, junitXml(suites));
  }
  if (options.json) console.log(JSON.stringify(rows, null, 2));
  else {
    console.log(`${name}: ${runs.length} profiles, same workload and faults, seed ${runs[0]!.summary.seed}\n`);
    console.log(comparisonTable(rows));
    if (stages.length > 0) console.log(`\nper stage:\n${stagesTable(stages)}`);
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
  writeReportUnlessInterrupted(directory, {
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
  { rows, stages }: { rows: ComparisonRow[]; stages: StageRow[] },
  replay: (profile: string) => string,
): Promise<Record<string, string | Uint8Array>> {
  const files: Record<string, string | Uint8Array> = { "compare.csv": comparisonCsv(rows) };
  if (stages.length > 0) files["compare-stages.csv"] = stagesCsv(stages);
  const firstFailures: Record<string, string> = {};
  for (const run of runs) {
    const options = { replay: replay(run.summary.profile), lineage: messageLineages(run) };
    const first = options.lineage[0];
    if (first) firstFailures[run.summary.profile] = lineageName(first.check);
    for (const [path, content] of Object.entries(await reportFiles(run, options))) {
      files[`${run.summary.profile}/${path}`] = content;
    }
  }
  const rendered = await renderChartFiles(overlayCharts(runs), files);
  files["index.html"] = comparisonHtml(name, runs[0]!.summary.seed, rows, rendered, firstFailures, stagesHtml(stages));
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

/** A --broker section for a profile that is not compared would be silently ignored: refuse it, with a suggestion. */
function refuseUncomparedBrokers(named: readonly string[], compared: readonly string[]): void {
  const known = allProfiles.map((p) => p.name);
  for (const name of named) {
    if (compared.includes(name)) continue;
    if (known.includes(name)) {
      throw new UsageError(
        `--broker ${name}={...}: ${name} is not among the profiles compared (${compared.join(", ")})`,
      );
    }
    const suggestion = closestMatch(name, known);
    throw new UsageError(
      `--broker ${name}={...}: no profile is named "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ""}\nprofiles: ${known.join(", ")}`,
    );
  }
}
