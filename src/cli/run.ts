import { availableParallelism, loadavg } from "node:os";
import { relative, resolve } from "node:path";
import { BudgetExceeded, EventBudgetExceeded } from "../engine/simulation.js";
import { messageLineages } from "../pipeline/lineage.js";
import { runScenarioInterruptibly } from "../pipeline/run-scenario.js";
import { type ChartRenderer, ChartThread, drawHere } from "../report/chart-renderer.js";
import { type JunitSuite, junitXml, writeJunitFile } from "../report/junit.js";
import { replayCommand } from "../report/replay.js";
import type { Run } from "../report/run.js";
import type { Summary } from "../report/summary.js";
import { TraceWriter } from "../report/trace.js";
import { reportDirectory } from "../report/write.js";
import { componentNames } from "../run/names.js";
import { closestMatch } from "../scenario/issues.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { isPatternMetric, METRIC_NAMES, type PrecisionTarget } from "../stats/replications.js";
import { ExitCode } from "./exit-codes.js";
import { refuseTooManyRuns } from "./flags.js";
import { interruption, writeReportUnlessInterrupted } from "./interrupt.js";
import { type LoadedScenario, loadScenarios } from "./load-scenarios.js";
import { checkOutputDirectory, checkTraceFile } from "./paths.js";
import { progressBar } from "./progress.js";
import { runReplications } from "./replications.js";
import { formatSummary } from "./terminal.js";
import { UsageError } from "./usage.js";

export interface RunOptions {
  scenarios: string[];
  seed: number | undefined;
  out: string;
  json: boolean;
  trace: string | undefined;
  /** Write the checks as JUnit XML to this file. */
  junit?: string | undefined;
  replications: number | undefined;
  precision: string | undefined;
  metric: string;
  maxReplications: number;
  workers: number | undefined;
  distributed: string | undefined;
}

/** `queuesim run`: simulate each scenario, write its report, print its summary. */
export async function commandRun(options: RunOptions): Promise<number> {
  const loaded = loadScenarios(options.scenarios);
  if (options.trace !== undefined && loaded.length > 1) {
    throw new UsageError("--trace writes one file: give it a single scenario");
  }
  checkOutputDirectory(options.out);
  if (options.trace !== undefined) {
    checkTraceFile(options.trace);
    if (loaded.some(({ file }) => resolve(file) === resolve(options.trace!))) {
      throw new UsageError(`--trace ${options.trace} is the scenario file itself: the trace would overwrite it`);
    }
  }
  if (options.replications !== undefined) {
    if (options.junit !== undefined) throw new UsageError("--junit reports single runs: leave out --replications");
    return replicate(loaded, options);
  }
  if (options.distributed !== undefined) {
    throw new UsageError("--distributed runs replications: use it with --replications N");
  }
  refuseSharedNames(loaded);
  const summaries: Summary[] = [];
  const suites: JunitSuite[] = [];
  let failed = false;
  const renderer = chartRenderer();
  try {
    for (const { file, scenario: parsed } of loaded) {
      const scenario = options.seed === undefined ? parsed : { ...parsed, seed: options.seed };
      const summary = await runOne(file, scenario, options, renderer);
      summaries.push(summary);
      suites.push({ name: summary.scenario, summary, replay: replayCommand("run", file, scenario.seed) });
      failed ||= !summary.passed;
    }
  } finally {
    // Not awaited: the thread holds the process only while a drawing is pending, and exit ends it anyway.
    if (renderer instanceof ChartThread) void renderer.close();
  }
  // Written last, once every run has finished: a run that ends in a usage error leaves no JUnit file.
  if (options.junit !== undefined) writeJunitFile(options.junit, junitXml(suites));
  if (options.json) console.log(JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2));
  return failed ? ExitCode.expectationFailed : ExitCode.ok;
}

/**
 * With a core to spare, a thread started before the first run loads the chart libraries while this one
 * simulates, so the charts are drawn as soon as the run ends (README, Speed). Without one (a single core, or
 * every core already busy by the last minute's load average) the thread would only compete with the
 * simulation, and the charts are drawn here, after it. Either way the report's bytes are the same.
 */
function chartRenderer(): ChartRenderer {
  const spareCores = availableParallelism() - loadavg()[0]!;
  return spareCores < 1 ? drawHere : new ChartThread();
}

async function replicate(loaded: LoadedScenario[], options: RunOptions): Promise<number> {
  const target = precisionTarget(options);
  for (const { scenario } of loaded) {
    const runs = Math.max(options.replications ?? 1, target?.max ?? 0);
    const how = target ? "--max-replications" : "--replications";
    refuseTooManyRuns({ runs, how: `${how} ${runs}`, maxRuns: scenario.limits.maxRuns, flag: how });
  }
  for (const { scenario, data } of loaded) {
    await runReplications(options.seed === undefined ? scenario : { ...scenario, seed: options.seed }, data, {
      replications: options.replications ?? 1,
      precision: target,
      workers: options.workers,
      distributed: options.distributed,
      out: options.out,
      json: options.json,
    });
  }
  return ExitCode.ok;
}

/** Two scenarios with one name would write one report directory. */
function refuseSharedNames(loaded: LoadedScenario[]): void {
  const names = new Map<string, string>();
  for (const { file, scenario } of loaded) {
    const other = names.get(scenario.name);
    if (other) {
      throw new UsageError(
        `${file} and ${other} are both named "${scenario.name}": their reports would overwrite each other`,
      );
    }
    names.set(scenario.name, file);
  }
}

/** Simulates one scenario, writes its report and prints its summary (unless --json). */
async function runOne(
  file: string,
  scenario: ParsedScenario,
  options: RunOptions,
  renderer: ChartRenderer,
): Promise<Summary> {
  const progress = progressBar(scenario.name);
  const trace = options.trace === undefined ? undefined : new TraceWriter(options.trace, componentNames(scenario));
  const startedAt = Date.now();
  let run: Run;
  try {
    run = await runScenarioInterruptibly(
      scenario,
      { onProgress: progress.update, series: "auto", ...(trace ? { observers: [trace] } : {}) },
      interruption,
    );
    trace?.close();
  } catch (error) {
    trace?.abandon();
    if (error instanceof EventBudgetExceeded) {
      throw new UsageError(`${file}: ${error.message}; raise limits.maxEvents if the scenario really needs more`);
    }
    if (error instanceof BudgetExceeded) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  } finally {
    progress.done();
  }
  const wallSeconds = (Date.now() - startedAt) / 1000;
  const directory = reportDirectory(options.out, run.summary.scenario);
  const replay = replayCommand("run", file, scenario.seed);
  // Loaded once the run is simulated: the report's modules (HTML, CSV, chart specs) are nothing a run needs
  // before its first event, and making the HTML page's number formats loads locale data (about 9 ms).
  const { reportFiles } = await import("../report/report.js");
  writeReportUnlessInterrupted(directory, await reportFiles(run, { replay, lineage: messageLineages(run), renderer }));
  if (!options.json) {
    console.log(formatSummary(run.summary, relative(process.cwd(), directory), wallSeconds));
    if (!run.summary.passed) console.log(`  replay: ${replay}`);
    console.log("");
  }
  return run.summary;
}

function precisionTarget(options: RunOptions): PrecisionTarget | undefined {
  if (options.precision === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)%$/.exec(options.precision.trim());
  if (!match) throw new UsageError(`--precision takes a percentage like 2%, got ${options.precision}`);
  if (!METRIC_NAMES.includes(options.metric) && !isPatternMetric(options.metric)) {
    const suggestion = closestMatch(options.metric, METRIC_NAMES);
    throw new UsageError(
      `--metric ${options.metric} is not a replication metric${suggestion ? `; did you mean ${suggestion}?` : ""}\nmetrics: ${METRIC_NAMES.join(", ")}`,
    );
  }
  return { metric: options.metric, relative: Number(match[1]) / 100, max: options.maxReplications };
}
