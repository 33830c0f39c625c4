import fc from "fast-check";
import { stringify } from "yaml";
import { EventBudgetExceeded } from "../engine/simulation.js";
import { runScenario } from "../pipeline/run-scenario.js";
import { parseScenarioText } from "../scenario/load.js";
import { mutatedScenarioArbitrary, textMutationArbitrary } from "./mutations.js";
import { scenarioArbitrary } from "./scenario-arbitrary.js";

/**
 * Fuzzing the validator and the run in one process, as the CLI would meet each input: a file's text is
 * parsed and validated; a rejected one must name a position for every problem (exit 2); an accepted one is
 * run, and ends with its expectations met or not (exit 0 or 1), or over its event budget (exit 2). Anything
 * else thrown is an internal error: what the fuzzer looks for.
 */
export type FuzzOutcome =
  | { exit: 0 | 1 | 2; text: string }
  | { exit: "internal-error"; text: string; error: string }
  | { exit: "no-position"; text: string; error: string };

/** The exit a file's text leads to, run in-process as `queuesim run` would. */
export function fuzzOne(text: string, file = "fuzz.yaml"): FuzzOutcome {
  try {
    const loaded = parseScenarioText(text, file);
    if (!loaded.ok) {
      const unplaced = loaded.issues.filter((issue) => issue.location === undefined);
      if (unplaced.length === 0) return { exit: 2, text };
      return { exit: "no-position", text, error: unplaced.map((issue) => issue.message).join("; ") };
    }
    const run = runScenario(loaded.scenario);
    return { exit: run.summary.passed ? 0 : 1, text };
  } catch (error) {
    if (error instanceof EventBudgetExceeded) return { exit: 2, text };
    return {
      exit: "internal-error",
      text,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
}

/** A scenario file's text: generated and valid, mutated into an invalid object, or broken as text. */
export function fuzzTextArbitrary(): fc.Arbitrary<string> {
  const written = scenarioArbitrary().map((scenario) => stringify(scenario));
  return fc.oneof(
    written,
    mutatedScenarioArbitrary().map((scenario) => stringify(scenario)),
    written.chain((text) => textMutationArbitrary(text)),
  );
}

export interface FuzzReport {
  runs: number;
  byExit: Record<string, number>;
  /** The first five cases that ended in an internal error or without a position, as generated. */
  failures: FuzzOutcome[];
}

/** Runs `runs` fuzz cases from `seed`; every case is tallied, the failures kept (the first few). */
export function fuzz(options: { runs: number; seed: number; onCase?: (done: number) => void }): FuzzReport {
  const byExit: Record<string, number> = {};
  const failures: FuzzOutcome[] = [];
  let done = 0;
  const result = fc.check(
    fc.property(fuzzTextArbitrary(), (text) => {
      const outcome = fuzzOne(text);
      byExit[String(outcome.exit)] = (byExit[String(outcome.exit)] ?? 0) + 1;
      done++;
      options.onCase?.(done);
      if (typeof outcome.exit === "number") return true;
      if (failures.length < 5) failures.push(outcome);
      return true;
    }),
    { numRuns: options.runs, seed: options.seed },
  );
  // The property never fails, so a failed check is the generator itself throwing.
  if (result.failed) failures.push({ exit: "internal-error", text: "", error: String(result.errorInstance) });
  return { runs: done, byExit, failures };
}
