import { relative } from "node:path";
import { stringify } from "yaml";
import { type ExploreResult, explore } from "../explore/explore.js";
import { EXPLORED_KINDS, type FaultKindChoice } from "../explore/fault-arbitrary.js";
import { type ExploreSpace, targetsOfScenario, usableKinds } from "../explore/plan.js";
import { reportDirectory, writeReportFiles } from "../report/write.js";
import { closestMatch } from "../scenario/issues.js";
import { EXPLORABLE_FAULT_KINDS, type ParsedScenario } from "../scenario/schema.js";
import { runnerFor } from "./distributed.js";
import { ExitCode } from "./exit-codes.js";
import { formatExplore } from "./explore-text.js";
import { loadScenarios } from "./load-scenarios.js";
import { countBar } from "./progress.js";
import { UsageError } from "./usage.js";

export interface ExploreOptions {
  scenario: string;
  runs: number | undefined;
  shrinkRuns: number | undefined;
  maxFaults: number | undefined;
  faults: string | undefined;
  seed: number | undefined;
  workers: number | undefined;
  /** A Redis URL: the search's runs go to BullMQ workers (shrinking stays on this machine). */
  distributed: string | undefined;
  out: string;
  json: boolean;
}

/** `queuesim explore`: search fault plans for a broken expectation, shrink it, write it as a scenario. */
export async function commandExplore(options: ExploreOptions): Promise<number> {
  const [{ file, scenario, data }] = loadScenarios([options.scenario]) as [ReturnType<typeof loadScenarios>[0]];
  const space = spaceOf(scenario, options);
  const runner = await runnerFor(options.distributed, `explore ${scenario.name}`);
  const budget = {
    runs: options.runs ?? scenario.explore?.runs ?? 100,
    shrinkRuns: options.shrinkRuns ?? scenario.explore?.shrinkRuns ?? 300,
    seed: options.seed ?? scenario.seed,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(runner ? { runner } : {}),
  };
  const name = `${scenario.name.slice(0, 48)}-counterexample`;
  const search = countBar(`explore ${scenario.name}: search`);
  const shrinking = countBar(`explore ${scenario.name}: shrink`);
  const result = await explore({ written: data, scenario, space, name }, budget, (phase, done, total) => {
    if (phase === "search") search.update(done, total);
    else {
      search.done();
      shrinking.update(done, total);
    }
  });
  search.done();
  shrinking.done();
  const directory = reportDirectory(options.out, scenario.name);
  const replayFile = `${relative(process.cwd(), directory)}/explore/counterexample.yaml`;
  const command = `queuesim explore ${file} --seed ${budget.seed} --runs ${budget.runs} --shrink-runs ${budget.shrinkRuns} --max-faults ${space.maxFaults} --faults ${space.kinds.join(",")}`;
  const files: Record<string, string> = {
    "explore/explore.json": `${JSON.stringify(report(result, budget, space), null, 2)}\n`,
  };
  if (result.counterexample) files["explore/counterexample.yaml"] = counterexampleFile(result, command, replayFile);
  writeReportFiles(directory, files);
  if (options.json) console.log(JSON.stringify(report(result, budget, space), null, 2));
  else console.log(formatExplore(result, { name: scenario.name, seed: budget.seed, replayFile }));
  return result.counterexample ? ExitCode.expectationFailed : ExitCode.ok;
}

/** The fault kinds, the number of faults and the time windows searched: flags over the `explore:` section. */
function spaceOf(scenario: ParsedScenario, options: ExploreOptions): ExploreSpace {
  const section = scenario.explore;
  const kinds = options.faults === undefined ? (section?.faults ?? EXPLORED_KINDS) : kindsOf(options.faults);
  const targets = targetsOfScenario(scenario);
  const usable = usableKinds(kinds as readonly FaultKindChoice[], targets);
  if (usable.length === 0) throw new UsageError(`none of the fault kinds ${kinds.join(", ")} has a target here`);
  return {
    kinds: usable,
    maxFaults: options.maxFaults ?? section?.maxFaults ?? 2,
    startWithinMs: Math.max(1, Math.round((section?.within ?? scenario.duration) / 1000)),
    longestMs: Math.max(1, Math.round((section?.longest ?? scenario.duration) / 1000)),
  };
}

function kindsOf(written: string): FaultKindChoice[] {
  const kinds = written
    .split(",")
    .map((kind) => kind.trim())
    .filter((kind) => kind !== "");
  for (const kind of kinds) {
    if ((EXPLORABLE_FAULT_KINDS as readonly string[]).includes(kind)) continue;
    const suggestion = closestMatch(kind, EXPLORABLE_FAULT_KINDS);
    throw new UsageError(
      `--faults: "${kind}" is not a fault kind explore can place${suggestion ? `; did you mean "${suggestion}"?` : ""}\nkinds: ${EXPLORABLE_FAULT_KINDS.join(", ")}`,
    );
  }
  if (kinds.length === 0) throw new UsageError("--faults needs at least one fault kind");
  return kinds as FaultKindChoice[];
}

function report(
  result: ExploreResult,
  budget: { runs: number; shrinkRuns: number; seed: number },
  space: ExploreSpace,
) {
  const found = result.counterexample;
  return {
    seed: budget.seed,
    space: { ...space },
    budget: { runs: budget.runs, shrinkRuns: budget.shrinkRuns },
    runs: result.runs,
    failed: result.failed,
    skipped: result.skipped,
    baselineFailed: result.baselineFailed,
    signatures: result.signatures,
    counterexample: found && {
      run: found.run,
      faultsFound: found.faults,
      shrinkSteps: found.shrinkSteps,
      shrinkRuns: found.shrinkRuns,
      faults: found.scenario.faults,
      checks: found.summary.checks.filter((check) => !check.passed),
    },
  };
}

/** The shrunk scenario, with how it was found, how to replay it and what it breaks, as comments. */
function counterexampleFile(result: ExploreResult, command: string, replayFile: string): string {
  const found = result.counterexample!;
  const failed = found.summary.checks.filter((check) => !check.passed);
  const lines = [
    `# Found by: ${command}`,
    `# Replay:   queuesim run ${replayFile}`,
    result.baselineFailed
      ? "# The scenario fails with no fault added."
      : `# Search run ${found.run} failed; shrunk in ${found.shrinkSteps} steps (${found.shrinkRuns} runs) from: ${JSON.stringify(found.faults)}`,
    ...failed.flatMap((check) => [
      `# FAIL ${check.name}: expected ${check.expected}, observed ${check.observed}`,
      ...(check.counterExample ? [`#   counter-example: ${JSON.stringify(check.counterExample)}`] : []),
    ]),
  ];
  return `${lines.join("\n")}\n${stringify(found.scenario)}`;
}
