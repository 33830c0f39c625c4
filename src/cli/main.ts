import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import yargs from "yargs";
import { overlayCharts } from "../compare/charts.js";
import { buildVariants, type ComparisonRow, comparisonRows, profilesToCompare } from "../compare/compare.js";
import { comparisonHtml } from "../compare/html.js";
import { compareReplicated, differencesCsv, replicatedCsv, replicatedTable } from "../compare/replicated.js";
import { comparisonCsv, comparisonTable } from "../compare/report.js";
import { EventBudgetExceeded } from "../engine/simulation.js";
import {
  formatIssue,
  loadScenarioFile,
  type ParsedScenario,
  type Run,
  reportDirectory,
  runScenario,
  type Summary,
} from "../index.js";
import { defaultWorkers, runAll } from "../parallel/pool.js";
import { renderChartFiles, reportFiles } from "../report/report.js";
import { TraceWriter } from "../report/trace.js";
import { writeReportFiles } from "../report/write.js";
import { componentNames } from "../run/names.js";
import { closestMatch, messages } from "../scenario/issues.js";
import { jsonSchemaText } from "../scenario/json-schema.js";
import { METRIC_NAMES, type PrecisionTarget } from "../stats/replications.js";
import { ExitCode } from "./exit-codes.js";
import { progressBar } from "./progress.js";
import { runReplications } from "./replications.js";
import { commandMerge, commandSweep, SweepUsageError } from "./sweep.js";
import { formatSummary, styler } from "./terminal.js";

/** Thrown for anything the user can fix: printed without a stack, exit code 2. */
class UsageError extends Error {}

interface RunOptions {
  scenarios: string[];
  seed: number | undefined;
  out: string;
  json: boolean;
  trace: string | undefined;
  replications: number | undefined;
  precision: string | undefined;
  metric: string;
  maxReplications: number;
  workers: number | undefined;
}

function loadAll(files: string[]): { file: string; scenario: ParsedScenario; data: Record<string, unknown> }[] {
  const loaded: { file: string; scenario: ParsedScenario; data: Record<string, unknown> }[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const result = loadScenarioFile(file);
    if (result.ok) {
      loaded.push({ file, scenario: result.scenario, data: result.data });
      if (result.warnings.length > 0) {
        process.stderr.write(
          `${[messages.warningIn(file), ...result.warnings.map((w) => `  ${formatIssue(w, file)}`)].join("\n")}\n`,
        );
      }
    } else {
      const count = result.issues.length;
      problems.push(
        `${count} problem${count === 1 ? "" : "s"} in ${file}:`,
        ...result.issues.map((i) => `  ${formatIssue(i, file)}`),
      );
    }
  }
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return loaded;
}

async function commandRun(options: RunOptions): Promise<number> {
  const loaded = loadAll(options.scenarios);
  if (options.trace !== undefined && loaded.length > 1) {
    throw new UsageError("--trace writes one file: give it a single scenario");
  }
  if (options.replications !== undefined) {
    for (const { scenario } of loaded) {
      await runReplications(options.seed === undefined ? scenario : { ...scenario, seed: options.seed }, {
        replications: options.replications,
        precision: precisionTarget(options),
        workers: options.workers,
        out: options.out,
        json: options.json,
      });
    }
    return ExitCode.ok;
  }
  const names = new Map<string, string>();
  for (const { file, scenario } of loaded) {
    const other = names.get(scenario.name);
    if (other)
      throw new UsageError(
        `${file} and ${other} are both named "${scenario.name}": their reports would overwrite each other`,
      );
    names.set(scenario.name, file);
  }
  const summaries: Summary[] = [];
  let failed = false;
  for (const { file, scenario: parsed } of loaded) {
    const scenario = options.seed === undefined ? parsed : { ...parsed, seed: options.seed };
    const progress = progressBar(scenario.name);
    const trace = options.trace === undefined ? undefined : new TraceWriter(options.trace, componentNames(scenario));
    const startedAt = Date.now();
    let run: ReturnType<typeof runScenario>;
    try {
      run = runScenario(scenario, {
        onProgress: progress.update,
        series: "auto",
        ...(trace ? { observers: [trace] } : {}),
      });
      trace?.close();
    } catch (error) {
      trace?.abandon();
      if (error instanceof EventBudgetExceeded) {
        throw new UsageError(`${file}: ${error.message}; raise limits.maxEvents if the scenario really needs more`);
      }
      throw error;
    } finally {
      progress.done();
    }
    const wallSeconds = (Date.now() - startedAt) / 1000;
    const directory = reportDirectory(options.out, run.summary.scenario);
    writeReportFiles(directory, await reportFiles(run));
    const path = relative(process.cwd(), directory);
    summaries.push(run.summary);
    if (!options.json) {
      console.log(formatSummary(run.summary, path, wallSeconds));
      if (!run.summary.passed) console.log(`  replay: queuesim run ${file} --seed ${scenario.seed}`);
      console.log("");
    }
    failed ||= !run.summary.passed;
  }
  if (options.json) console.log(JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2));
  return failed ? ExitCode.expectationFailed : ExitCode.ok;
}

async function commandCompare(options: {
  scenario: string;
  profiles: string[] | undefined;
  brokers: string[];
  seed: number | undefined;
  out: string;
  json: boolean;
  workers: number | undefined;
  replications: number | undefined;
}): Promise<number> {
  const { file, data } = loadAll([options.scenario])[0]!;
  const withSeed = options.seed === undefined ? data : { ...data, seed: options.seed };
  const built = buildVariants(
    withSeed,
    profilesToCompare(withSeed, options.profiles),
    parseBrokerOptions(options.brokers),
  );
  if (!built.ok) throw new UsageError(built.issues.map((issue) => formatIssue(issue, file)).join("\n"));
  const scenarios = built.variants.map((variant) => variant.scenario);
  if (options.replications !== undefined) {
    const jobs = scenarios.flatMap((scenario) => Array.from({ length: options.replications ?? 1 }, () => scenario));
    const comparison = await compareReplicated(built.variants, options.replications, {
      workers: options.workers ?? defaultWorkers(jobs),
    });
    const directory = join(reportDirectory(options.out, built.variants[0]!.scenario.name), "compare");
    writeReportFiles(directory, {
      "compare-replications.csv": replicatedCsv(comparison),
      "differences.csv": differencesCsv(comparison),
    });
    console.log(`${built.variants[0]!.scenario.name}: ${options.replications} replications per profile\n`);
    console.log(replicatedTable(comparison));
    console.log(`\nwritten to ${relative(process.cwd(), directory)}/`);
    return ExitCode.ok;
  }
  const runs = await runAll(scenarios, { series: "auto" }, { workers: options.workers ?? defaultWorkers(scenarios) });
  const rows = comparisonRows(runs);
  const name = built.variants[0]!.scenario.name;
  const directory = join(reportDirectory(options.out, name), "compare");
  const files: Record<string, string | Uint8Array> = { "compare.csv": comparisonCsv(rows) };
  for (const run of runs) {
    for (const [path, content] of Object.entries(await reportFiles(run)))
      files[`${run.summary.profile}/${path}`] = content;
  }
  Object.assign(files, await comparisonFiles(name, runs, rows));
  writeReportFiles(directory, files);
  if (options.json) console.log(JSON.stringify(rows, null, 2));
  else {
    console.log(`${name}: ${runs.length} profiles, same workload and faults, seed ${runs[0]!.summary.seed}\n`);
    console.log(comparisonTable(rows));
    console.log(`\ncomparison written to ${relative(process.cwd(), join(directory, "compare.csv"))}`);
  }
  return ExitCode.ok;
}

function precisionTarget(options: RunOptions): PrecisionTarget | undefined {
  if (options.precision === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)%$/.exec(options.precision.trim());
  if (!match) throw new UsageError(`--precision takes a percentage like 2%, got ${options.precision}`);
  if (!METRIC_NAMES.includes(options.metric)) {
    const suggestion = closestMatch(options.metric, METRIC_NAMES);
    throw new UsageError(
      `--metric ${options.metric} is not a replication metric${suggestion ? `; did you mean ${suggestion}?` : ""}\nmetrics: ${METRIC_NAMES.join(", ")}`,
    );
  }
  return { metric: options.metric, relative: Number(match[1]) / 100, max: options.maxReplications };
}

/** The overlay charts and compare/index.html. */
async function comparisonFiles(
  name: string,
  runs: Run[],
  rows: ComparisonRow[],
): Promise<Record<string, string | Uint8Array>> {
  const files: Record<string, string | Uint8Array> = {};
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

function commandValidate(files: string[]): number {
  const loaded = loadAll(files);
  const style = styler(process.stdout);
  for (const { file, scenario } of loaded) console.log(`${style.green("valid")}  ${file} (${scenario.name})`);
  return ExitCode.ok;
}

/** Turns a sweep's usage problems into the CLI's own. */
async function guarded(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof SweepUsageError) throw new UsageError(error.message);
    throw error;
  }
}

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const parser = yargs(argv)
    .scriptName("queuesim")
    .usage("$0 <command> [options]")
    .command(
      "run <scenarios..>",
      "simulate scenarios and write reports",
      (y) =>
        y
          .positional("scenarios", {
            type: "string",
            array: true,
            demandOption: true,
            describe: "scenario files (YAML or JSON)",
          })
          .option("seed", { type: "number", describe: "override the scenario's seed" })
          .option("out", { type: "string", default: "reports", describe: "directory reports are written under" })
          .option("json", {
            type: "boolean",
            default: false,
            describe: "print summary.json to stdout instead of a human summary",
          })
          .option("trace", { type: "string", describe: "write every event as newline-delimited JSON to this file" })
          .option("replications", {
            type: "number",
            describe: "run this many independent replications; report means with 95% intervals",
          })
          .option("precision", {
            type: "string",
            describe: "with --replications: add replications until --metric is within this, e.g. 2%",
          })
          .option("metric", {
            type: "string",
            default: "latency.endToEnd.mean",
            describe: "the metric --precision applies to",
          })
          .option("max-replications", {
            type: "number",
            default: 100,
            describe: "with --precision: the most replications to run",
          })
          .option("workers", {
            type: "number",
            describe: "worker threads for replications; default: all cores when the work is large enough",
          })
          .check((args) => {
            if (args.seed !== undefined && !(Number.isInteger(args.seed) && args.seed >= 0 && args.seed < 2 ** 32)) {
              throw new UsageError(`--seed must be an integer from 0 to 4294967295, got ${args.seed}`);
            }
            return true;
          }),
      async (args) => {
        exitCode = await commandRun({
          scenarios: args.scenarios,
          seed: args.seed,
          out: args.out,
          json: args.json,
          trace: args.trace,
          replications: args.replications,
          precision: args.precision,
          metric: args.metric,
          maxReplications: args["max-replications"],
          workers: args.workers,
        });
      },
    )
    .command(
      "validate <scenarios..>",
      "check scenario files without running them",
      (y) => y.positional("scenarios", { type: "string", array: true, demandOption: true }),
      (args) => {
        exitCode = commandValidate(args.scenarios);
      },
    )
    .command(
      "compare <scenario>",
      "run one workload against several broker profiles and compare them",
      (y) =>
        y
          .positional("scenario", { type: "string", demandOption: true, describe: "scenario file (YAML or JSON)" })
          .option("profiles", {
            type: "string",
            describe: "comma-separated profiles; default: the scenario's compare.profiles, else all",
          })
          .option("broker", {
            type: "string",
            array: true,
            default: [],
            describe: "a profile's broker section: kafka={partitions: 12}",
          })
          .option("seed", { type: "number", describe: "override the scenario's seed" })
          .option("out", { type: "string", default: "reports", describe: "directory reports are written under" })
          .option("json", { type: "boolean", default: false, describe: "print the comparison rows as JSON" })
          .option("workers", {
            type: "number",
            describe: "worker threads; default: all cores when the work is large enough",
          })
          .option("replications", {
            type: "number",
            describe: "replications per profile: intervals and paired significance",
          }),
      async (args) => {
        exitCode = await commandCompare({
          replications: args.replications,
          scenario: args.scenario,
          profiles: args.profiles
            ?.split(",")
            .map((p) => p.trim())
            .filter((p) => p !== ""),
          brokers: args.broker.map(String),
          seed: args.seed,
          out: args.out,
          json: args.json,
          workers: args.workers,
        });
      },
    )
    .command(
      "sweep <scenario>",
      "run a grid of parameter values (what-if), or --find the smallest value meeting a target",
      (y) =>
        y
          .positional("scenario", { type: "string", demandOption: true, describe: "scenario file (YAML or JSON)" })
          .option("param", {
            type: "string",
            array: true,
            default: [],
            describe: "path=values: consumers.billing.instances=2..12 or producers.checkout.rate=1000/s,2000/s",
          })
          .option("replications", {
            type: "number",
            describe: "replications per point (default 1, or the scenario's sweep.replications)",
          })
          .option("find", {
            type: "string",
            describe: 'bisect the first --param for the smallest value meeting "metric < value"',
          })
          .option("shard", { type: "string", describe: "run only slice i of n of the points: 2/4" })
          .option("workers", {
            type: "number",
            describe: "worker threads; default: all cores when the work is large enough",
          })
          .option("out", { type: "string", default: "reports", describe: "directory reports are written under" }),
      async (args) => {
        const { file, data } = loadAll([args.scenario])[0]!;
        await guarded(() =>
          commandSweep({
            file,
            data,
            params: args.param.map(String),
            replications: args.replications,
            shard: args.shard,
            find: args.find,
            workers: args.workers,
            out: args.out,
            formatIssues: (issues) => issues.map((issue) => formatIssue(issue, file)).join("\n"),
          }),
        );
      },
    )
    .command(
      "merge <dirs..>",
      "combine sweep shards (shard-i-of-n.json) into one sweep.csv",
      (y) =>
        y
          .positional("dirs", {
            type: "string",
            array: true,
            demandOption: true,
            describe: "directories holding shard files",
          })
          .option("out", { type: "string", default: "reports", describe: "directory reports are written under" }),
      async (args) => {
        await guarded(() => commandMerge(args.dirs, args.out));
      },
    )
    .command("schema", "print the scenario JSON Schema (for editor autocompletion)", {}, () => {
      process.stdout.write(jsonSchemaText());
    })
    .demandCommand(1, "name a command: run, compare, sweep, merge, validate or schema")
    .recommendCommands()
    .strict()
    .strictCommands()
    .help()
    .version()
    .fail((message, error, instance) => {
      if (error && error.name !== "YError") throw error;
      const text = message?.startsWith("Did you mean") ? `unknown command "${argv[0]}". ${message}` : message;
      throw new UsageError(`${text ?? error?.message}\n\n${instance.help() ?? ""}`.trimEnd());
    });
  await parser.parseAsync();
  return exitCode;
}

export async function runCli(argv: string[]): Promise<void> {
  // A closed pipe (`queuesim run x | head`) ends output quietly rather than with a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exitCode = ExitCode.badInput;
      return;
    }
    console.error("queuesim hit an internal error; this is a bug, please report it with the scenario file:");
    console.error(error);
    process.exitCode = ExitCode.internalError;
  }
}
