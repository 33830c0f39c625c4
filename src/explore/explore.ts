import fc from "fast-check";
import { EventBudgetExceeded } from "../engine/simulation.js";
import { defaultWorkers, runAll } from "../parallel/pool.js";
import type { TaskJudgement, TaskRunner } from "../parallel/tasks.js";
import { runScenario } from "../pipeline/run-scenario.js";
import type { Summary } from "../report/summary.js";
import { validateScenario } from "../scenario/load.js";
import type { ParsedScenario } from "../scenario/schema.js";
import type { FaultChoice } from "./fault-arbitrary.js";
import {
  applyCandidate,
  type Candidate,
  candidateArbitrary,
  type ExploreSpace,
  type PlanWorld,
  planArbitrary,
  targetsOfScenario,
  type WrittenScenario,
} from "./plan.js";

/**
 * `queuesim explore`: search fault plans for a run that breaks the scenario's expectations, then shrink the
 * first one found. The search draws `runs` plans from the seed (fast-check's generators), runs them on the
 * worker pool and judges each; results come back in plan order, so the outcome is the same for any number
 * of workers. Shrinking walks fast-check's shrink tree of the failing plan and workload, one run per
 * candidate, keeping each candidate that still fails.
 */
export interface ExploreBudget {
  /** Plans to try in the search. */
  runs: number;
  /** Runs the shrinking may spend. */
  shrinkRuns: number;
  seed: number;
  workers?: number;
  /** Runs the search's plans elsewhere (BullMQ workers) instead of this machine's pool; shrinking stays here. */
  runner?: TaskRunner;
}

export interface FailureSignature {
  /** The failed expectations and the kinds of fault in the plan: "delivery: at-least-once <- broker-crash". */
  signature: string;
  runs: number;
  /** The first run (from 1) that showed it. */
  firstRun: number;
}

export interface Counterexample {
  /** The search run (from 1) that first failed. */
  run: number;
  /** Its plan, as faults: entries. */
  faults: WrittenScenario[];
  /** The shrunk scenario as written, ready to save and replay. */
  scenario: WrittenScenario;
  summary: Summary;
  shrinkSteps: number;
  shrinkRuns: number;
}

export interface ExploreResult {
  runs: number;
  failed: number;
  /** Plans the validator refused (a target gone, a window too short) or that ran over the event budget. */
  skipped: number;
  signatures: FailureSignature[];
  /** True when the scenario fails with no fault added: then nothing is searched, and it is the counterexample. */
  baselineFailed: boolean;
  /** Null when no plan broke an expectation. */
  counterexample: Counterexample | null;
}

interface Exploration {
  written: WrittenScenario;
  scenario: ParsedScenario;
  space: ExploreSpace;
  name: string;
}

export async function explore(
  exploration: Exploration,
  budget: ExploreBudget,
  onProgress?: (phase: "search" | "shrink", done: number, total: number) => void,
): Promise<ExploreResult> {
  const { scenario, space } = exploration;
  const workload = {
    durationPermille: 1000,
    ratePermille: 1000,
    instances: scenario.consumers.map((c) => c.instances),
  };
  const baseline = baselineFailure(exploration, { faults: [], ...workload });
  if (baseline !== null) return baseline;
  const plans = fc.sample(planArbitrary(space), { seed: budget.seed, numRuns: budget.runs });
  const full: Candidate[] = plans.map((faults) => ({ faults, ...workload }));
  const prepared = full.map((candidate, index) => prepare(exploration, candidate, index));
  const runnable = prepared.flatMap((p) => (p === null ? [] : [p]));
  const parsed = runnable.map((p) => p.parsed);
  const onDone = (done: number) => onProgress?.("search", done, parsed.length);
  const judge = budget.runner?.judge?.bind(budget.runner);
  const judged = judge
    ? await judgeElsewhere(judge, runnable, onDone)
    : await runSafely(parsed, budget.workers ?? defaultWorkers(parsed), onDone);
  const signatures = new Map<string, FailureSignature>();
  let first: { index: number; judged: Judged; parsed: ParsedScenario } | null = null;
  let failed = 0;
  let skipped = prepared.length - runnable.length;
  runnable.forEach((p, i) => {
    const run = judged[i];
    if (run === null || run === undefined) {
      skipped++;
      return;
    }
    if (run.passed) return;
    failed++;
    const signature = signatureOf(run.failedChecks, p.candidate.faults);
    const seen = signatures.get(signature);
    if (seen) seen.runs++;
    else signatures.set(signature, { signature, runs: 1, firstRun: p.index + 1 });
    first ??= { index: p.index, judged: run, parsed: p.parsed };
  });
  const found = first === null ? null : withSummary(first);
  const result = {
    runs: prepared.length,
    failed,
    skipped,
    signatures: [...signatures.values()],
    baselineFailed: false,
  };
  if (found === null) return { ...result, counterexample: null };
  const shrunk = shrink(exploration, full[found.index]!, found.summary, budget.shrinkRuns, onProgress);
  return {
    ...result,
    counterexample: {
      run: found.index + 1,
      faults: applyCandidate(exploration.written, full[found.index]!, planWorld(exploration))
        .faults as WrittenScenario[],
      ...shrunk,
    },
  };
}

/** The scenario with no fault added, if it already fails: explore reports that instead of searching. */
function baselineFailure(exploration: Exploration, candidate: Candidate): ExploreResult | null {
  const prepared = prepare(exploration, candidate);
  const summary = prepared === null ? null : summaryOrNull(prepared.parsed);
  if (prepared === null || summary === null || summary.passed) return null;
  const counterexample = { run: 0, faults: [], scenario: prepared.written, summary, shrinkSteps: 0, shrinkRuns: 0 };
  return { runs: 1, failed: 1, skipped: 0, signatures: [], baselineFailed: true, counterexample };
}

interface Prepared {
  index: number;
  candidate: Candidate;
  written: WrittenScenario;
  parsed: ParsedScenario;
}

function planWorld(exploration: Exploration): PlanWorld {
  const { scenario, space, name } = exploration;
  return { targets: targetsOfScenario(scenario), space, durationMs: Math.round(scenario.duration / 1000), name };
}

function prepare(exploration: Exploration, candidate: Candidate, index = 0): Prepared | null {
  const written = applyCandidate(exploration.written, candidate, planWorld(exploration));
  const validated = validateScenario(written);
  return validated.ok ? { index, candidate, written, parsed: validated.scenario } : null;
}

/** A search run judged: whether it passed, its failed expectations, and its summary when it ran here. */
interface Judged {
  passed: boolean;
  failedChecks: string[];
  summary?: Summary;
}

function judgedOf(summary: Summary | null): Judged | null {
  return summary === null ? null : { passed: summary.passed, failedChecks: failedChecks(summary), summary };
}

/**
 * The first failing run with its summary, which shrinking starts from: a run judged elsewhere is run again
 * here (the same scenario and seed, so the same summary).
 */
function withSummary(first: { index: number; judged: Judged; parsed: ParsedScenario }): {
  index: number;
  summary: Summary;
} {
  const summary = first.judged.summary ?? summaryOrNull(first.parsed);
  if (summary === null) throw new Error(`invariant: search run ${first.index + 1} went over its budget when run again`);
  return { index: first.index, summary };
}

/** Sends the search's runs to `runner` (BullMQ workers) as tasks; a run over its budget is null, as here. */
async function judgeElsewhere(
  judge: NonNullable<TaskRunner["judge"]>,
  runnable: Prepared[],
  onDone: (done: number) => void,
): Promise<(Judged | null)[]> {
  const tasks = runnable.map((p) => ({
    scenario: p.parsed,
    seed: p.parsed.seed,
    written: p.written,
    label: `search run ${p.index + 1}`,
  }));
  const judgements: TaskJudgement[] = await judge(tasks, onDone);
  return judgements.map((j) => (j.overBudget ? null : { passed: j.passed, failedChecks: j.failedChecks }));
}

/** Runs scenarios on the pool; a run over its event budget is null, not a failure of the search. */
async function runSafely(
  scenarios: ParsedScenario[],
  workers: number,
  onDone: (done: number) => void,
): Promise<(Judged | null)[]> {
  if (workers <= 1) {
    return scenarios.map((scenario, i) => {
      const judged = judgedOf(summaryOrNull(scenario));
      onDone(i + 1);
      return judged;
    });
  }
  try {
    const runs = await runAll(scenarios, {}, { workers, onDone });
    return runs.map((run) => judgedOf(run.summary));
  } catch {
    // A run over its event budget fails the whole batch in the pool: judge them one by one instead.
    return runSafely(scenarios, 1, onDone);
  }
}

function summaryOrNull(scenario: ParsedScenario): Summary | null {
  try {
    return runScenario(scenario).summary;
  } catch (error) {
    if (error instanceof EventBudgetExceeded) return null;
    throw error;
  }
}

/**
 * Walks fast-check's shrink tree from the failing candidate: the first smaller candidate that still fails one
 * of the same expectations becomes the current one, and its own shrinks are tried next; it ends when no
 * smaller candidate fails or the budget is spent. Candidates the validator refuses cost no run.
 */
function shrink(
  exploration: Exploration,
  start: Candidate,
  startSummary: Summary,
  maxRuns: number,
  onProgress?: (phase: "search" | "shrink", done: number, total: number) => void,
): Omit<Counterexample, "run" | "faults"> {
  const arbitrary = candidateArbitrary(exploration.space, exploration.scenario);
  const wanted = new Set(failedChecks(startSummary));
  let current: { value: Candidate; context: unknown; summary: Summary } = {
    value: start,
    context: undefined,
    summary: startSummary,
  };
  let steps = 0;
  let runs = 0;
  let improved = true;
  while (improved && runs < maxRuns) {
    improved = false;
    for (const next of arbitrary.shrink(current.value, current.context)) {
      if (runs >= maxRuns) break;
      const prepared = prepare(exploration, next.value);
      if (prepared === null) continue;
      runs++;
      onProgress?.("shrink", runs, maxRuns);
      const summary = summaryOrNull(prepared.parsed);
      if (summary === null || !failedChecks(summary).some((name) => wanted.has(name))) continue;
      // The faults must be the cause: the same workload without them has to pass (a lower rate or fewer
      // instances can fail on their own, leaving messages pending at the end).
      runs++;
      if (!passesWithoutFaults(exploration, next.value)) continue;
      current = { value: next.value, context: next.context, summary };
      steps++;
      improved = true;
      break;
    }
  }
  const scenario = applyCandidate(exploration.written, current.value, planWorld(exploration));
  return { scenario, summary: current.summary, shrinkSteps: steps, shrinkRuns: runs };
}

function passesWithoutFaults(exploration: Exploration, candidate: Candidate): boolean {
  const prepared = prepare(exploration, { ...candidate, faults: [] });
  return prepared !== null && summaryOrNull(prepared.parsed)?.passed === true;
}

function failedChecks(summary: Summary): string[] {
  return summary.checks.filter((check) => !check.passed).map((check) => check.name);
}

/** The failed expectations (by name, in summary order) and the fault kinds that broke them. */
export function signatureOf(checks: readonly string[], faults: readonly FaultChoice[]): string {
  const kinds = [...new Set(faults.map((fault) => fault.kind))].sort();
  return `${checks.join(", ")} <- ${kinds.length === 0 ? "no fault" : kinds.join(" + ")}`;
}
