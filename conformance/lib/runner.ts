/**
 * Runs broker suites: per broker, set up the shared fixture in a fresh temporary directory,
 * then for each experiment simulate its scenario and run its real side, compare every figure
 * by its rule, and always tear down, whatever happened.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatIssue, runScenario, validateScenario } from "../../src/index.js";
import { judge } from "./compare.js";
import type { BrokerSuite, Experiment, ExperimentVerdict, Figures, RealContext } from "./experiment.js";
import { freePort } from "./ports.js";
import { inScope, Scope } from "./scope.js";
import { withTimeout } from "./wait.js";

export interface RunOptions {
  /** Run only experiments whose id contains this. */
  only?: string;
  /** Print every log line as it comes, not only those of experiments that went wrong. */
  verbose: boolean;
  /** Where progress lines go. */
  print(line: string): void;
}

/** One experiment and what became of it. */
export interface ExperimentResult {
  experiment: Experiment<unknown>;
  verdict: ExperimentVerdict;
}

export interface SuiteReport {
  broker: BrokerSuite<unknown>["broker"];
  /** The server's version, or "unknown" if set-up failed. */
  version: string;
  results: ExperimentResult[];
  /** The suite's temporary directory when it was kept (something went wrong), for inspection. */
  keptDir?: string;
}

const SET_UP_TIMEOUT_MS = 180_000;
const TEAR_DOWN_TIMEOUT_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 60_000;

/** Runs one broker's suite. Never throws: what goes wrong becomes error verdicts. */
export async function runSuite<F>(suite: BrokerSuite<F>, options: RunOptions): Promise<SuiteReport> {
  const experiments = suite.experiments.filter((e) => options.only === undefined || e.id.includes(options.only));
  if (experiments.length === 0) return { broker: suite.broker, version: "unknown", results: [] };
  const dir = mkdtempSync(join(tmpdir(), `queuesim-conformance-${suite.broker}-`));
  const scope = new Scope(`suite ${suite.broker}`);
  const suiteLog = logger(`${suite.broker}`, options);
  options.print(`${suite.broker}: starting in ${dir}`);
  let results: ExperimentResult[];
  let version = "unknown";
  try {
    const started = Date.now();
    const context = realContext(dir, suiteLog.log);
    const fixture = await inScope(scope, () => withTimeout("set-up", suite.setUp(dir, context), SET_UP_TIMEOUT_MS));
    version = suite.version(fixture);
    options.print(`${suite.broker} ${version}: set up in ${seconds(Date.now() - started)}`);
    results = [];
    for (const experiment of experiments) results.push(await runOne(suite, experiment, fixture, dir, version, options));
    await tearDown(suite, fixture, scope, options);
  } catch (error) {
    suiteLog.flush();
    const reason = `set-up failed: ${message(error)}`;
    options.print(`${suite.broker}: ${reason}`);
    results = experiments.map((experiment) => ({
      experiment,
      verdict: errorVerdict(suite, experiment, version, reason, 0),
    }));
  } finally {
    await closeScope(scope, options);
  }
  return finish(suite, version, results, dir, options);
}

async function tearDown<F>(suite: BrokerSuite<F>, fixture: F, scope: Scope, options: RunOptions): Promise<void> {
  try {
    await inScope(scope, () => withTimeout("tear-down", suite.tearDown(fixture), TEAR_DOWN_TIMEOUT_MS));
  } catch (error) {
    options.print(`${suite.broker}: tear-down failed (${message(error)}); killing what is left`);
  }
}

/** Runs whatever clean-up the scope still holds (processes, connections), reporting failures. */
async function closeScope(scope: Scope, options: RunOptions): Promise<void> {
  for (const error of await scope.close()) options.print(`${scope.name}: clean-up failed: ${error.message}`);
}

/** Keeps the temporary directory when something went wrong, so its logs can be read. */
function finish<F>(
  suite: BrokerSuite<F>,
  version: string,
  results: ExperimentResult[],
  dir: string,
  options: RunOptions,
): SuiteReport {
  const troubled = results.some((r) => r.verdict.verdict === "error" || r.verdict.verdict === "disagree");
  if (!troubled) {
    rmSync(dir, { recursive: true, force: true });
    return { broker: suite.broker, version, results };
  }
  options.print(`${suite.broker}: logs kept in ${dir}`);
  return { broker: suite.broker, version, results, keptDir: dir };
}

async function runOne<F>(
  suite: BrokerSuite<F>,
  experiment: Experiment<F>,
  fixture: F,
  suiteDir: string,
  version: string,
  options: RunOptions,
): Promise<ExperimentResult> {
  const log = logger(experiment.id, options);
  const started = Date.now();
  const verdict = await judgeExperiment(suite, experiment, fixture, suiteDir, version, log.log).catch(
    (error: unknown) => errorVerdict(suite, experiment, version, message(error), Date.now() - started),
  );
  if (verdict.verdict === "error" || verdict.verdict === "disagree") log.flush();
  options.print(`  ${verdict.verdict.padEnd(8)} ${experiment.id}  (${seconds(verdict.realMs)})`);
  return { experiment: experiment as Experiment<unknown>, verdict };
}

async function judgeExperiment<F>(
  suite: BrokerSuite<F>,
  experiment: Experiment<F>,
  fixture: F,
  suiteDir: string,
  version: string,
  log: (line: string) => void,
): Promise<ExperimentVerdict> {
  // The simulation first: it is quick, and a scenario that does not validate makes the real run pointless.
  const simulated = simulate(experiment);
  if ("error" in simulated) return errorVerdict(suite, experiment, version, simulated.error, 0);
  const dir = join(suiteDir, experiment.id.replaceAll("/", "__"));
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const real = await realFigures(experiment, fixture, realContext(dir, log));
  const realMs = Date.now() - started;
  if ("error" in real) return errorVerdict(suite, experiment, version, real.error, realMs);
  log(`real ${JSON.stringify(real.figures)}; simulated ${JSON.stringify(simulated.figures)}`);
  const judged = judge(experiment, real.figures, simulated.figures);
  return {
    ...describe(suite, experiment, version, realMs),
    figures: judged.figures,
    verdict: judged.verdict,
    ...("error" in judged ? { error: judged.error } : {}),
  };
}

/** Validates and runs the experiment's scenario and reads its figures. */
function simulate<F>(experiment: Experiment<F>): { figures: Figures } | { error: string } {
  try {
    const validated = validateScenario(experiment.scenario());
    if (!validated.ok) {
      const issues = validated.issues.map((issue) => `  ${formatIssue(issue, experiment.id)}`);
      return { error: `the scenario does not validate:\n${issues.join("\n")}` };
    }
    return { figures: experiment.simulated(runScenario(validated.scenario)) };
  } catch (error) {
    return { error: `the simulation failed: ${message(error)}` };
  }
}

/** Runs the real side in its own scope with its timeout; whatever it started is closed after. */
async function realFigures<F>(
  experiment: Experiment<F>,
  fixture: F,
  context: RealContext,
): Promise<{ figures: Figures } | { error: string }> {
  const scope = new Scope(experiment.id);
  const timeoutMs = experiment.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    const figures = await inScope(scope, () =>
      withTimeout("the real side", experiment.real(fixture, context), timeoutMs),
    );
    return { figures };
  } catch (error) {
    return { error: message(error) };
  } finally {
    for (const error of await scope.close()) context.log(`clean-up failed: ${error.message}`);
  }
}

function realContext(dir: string, log: (line: string) => void): RealContext {
  return { dir, log, port: freePort };
}

function describe<F>(
  suite: BrokerSuite<F>,
  experiment: Experiment<F>,
  version: string,
  realMs: number,
): Omit<ExperimentVerdict, "figures" | "verdict"> {
  return {
    id: experiment.id,
    broker: suite.broker,
    version,
    title: experiment.title,
    behaviour: experiment.behaviour,
    description: experiment.description,
    ...(experiment.known ? { knownReason: experiment.known.reason } : {}),
    realMs,
  };
}

function errorVerdict<F>(
  suite: BrokerSuite<F>,
  experiment: Experiment<F>,
  version: string,
  error: string,
  realMs: number,
): ExperimentVerdict {
  return { ...describe(suite, experiment, version, realMs), figures: [], verdict: "error", error };
}

/**
 * An experiment's log: printed as it comes with --verbose; otherwise kept, and printed only if
 * the experiment went wrong (flush).
 */
function logger(name: string, options: RunOptions): { log(line: string): void; flush(): void } {
  const lines: string[] = [];
  return {
    log(line) {
      const stamped = `    [${name}] ${line}`;
      if (options.verbose) options.print(stamped);
      else lines.push(stamped);
    },
    flush() {
      for (const line of lines.splice(0)) options.print(line);
    },
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
