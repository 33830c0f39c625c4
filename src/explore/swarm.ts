import fc from "fast-check";
import { EventBudgetExceeded } from "../engine/simulation.js";
import { kindOfWritten } from "../faults/registry.js";
import { runScenario } from "../pipeline/run-scenario.js";
import { validateScenario } from "../scenario/load.js";
import type { ParsedScenario } from "../scenario/schema.js";
import {
  clockViolations,
  conservationViolations,
  nonNegativeViolations,
  promisesNoLoss,
  RunWatcher,
  type Violation,
} from "./invariants.js";
import { type ScenarioSpace, validScenarioArbitrary, type WrittenScenario } from "./scenario-arbitrary.js";

/**
 * Swarm testing in the manner of TigerBeetle's VOPR: one seed picks a profile, a workload and a fault plan
 * (a generated scenario); the run is checked against the invariants every profile keeps, and run again to
 * check it is deterministic. A failing seed is shrunk by fast-check to the smallest scenario that still
 * breaks an invariant, and printed with the seed that replays it.
 */
export type SeedOutcome =
  | { seed: number; kind: "passed" | "over-budget" }
  | {
      seed: number;
      kind: "failed";
      scenario: WrittenScenario;
      violations: Violation[];
      shrunk: WrittenScenario;
      shrunkViolations: Violation[];
      shrinkSteps: number;
    };

/** The invariants a scenario's run breaks; null when the run stopped at its event budget. */
export function violationsOf(written: WrittenScenario): Violation[] | null {
  const validated = validateScenario(written);
  if (!validated.ok) throw new Error(`invariant: a generated scenario is invalid: ${validated.issues[0]?.message}`);
  try {
    return runViolations(validated.scenario);
  } catch (error) {
    if (error instanceof EventBudgetExceeded) return null;
    // A throw from the model is a violation of its own: report it with the scenario, shrunk like the others.
    return [{ invariant: "determinism", detail: `the run threw: ${error instanceof Error ? error.message : error}` }];
  }
}

/**
 * The second run retires messages after every event, from a table of 16 rows (where the run may retire at all:
 * `mayRetire`), so the table wraps within a few messages. Its summary must match the first run's, which retires
 * only every 65,536 events: one comparison shows the run deterministic and its results independent of when rows
 * are retired. A holder that forgets to report a message it still reads makes the second run throw (a retired
 * row) or differ.
 */
const RETIRING_EVERY_EVENT = { every: 1, rows: 16 } as const;

function runViolations(scenario: ParsedScenario): Violation[] {
  const watcher = new RunWatcher();
  const first = runScenario(scenario, { observers: [watcher] });
  const summary = first.summary;
  const violations: Violation[] = [
    ...conservationViolations(watcher, summary, first.result.names.groups),
    ...nonNegativeViolations(summary),
    ...clockViolations(watcher, summary),
  ];
  const again = retiringRunViolation(scenario, JSON.stringify(summary));
  if (again !== null) violations.push(again);
  const kindOf = (index: number) => kindOfWritten(scenario.faults[index]!).kind;
  // A retry policy that drops what it gave up on loses those messages by the application's choice. A parked
  // message is dead-lettered (to the parking lot), not lost.
  const givenUp = Object.values(summary.retries ?? {}).reduce((sum, r) => sum + r.dropped, 0);
  // A message returned by crashes more often than a quorum queue's delivery limit is dropped by the broker, as
  // documented: lost by its default, not by a fault of the model.
  const atLimit = watcher.droppedAtDeliveryLimit;
  if (promisesNoLoss(scenario, kindOf) && summary.messages.lost > givenUp + atLimit) {
    const detail = `${summary.messages.lost} lost (${givenUp} dropped by a retry policy, ${atLimit} at the delivery limit) under ${scenario.broker.profile} with default settings and only consumer-side faults`;
    violations.push({ invariant: "no-loss", detail });
  }
  return violations;
}

/** The second run (see RETIRING_EVERY_EVENT) against the first's summary; a third, plain, tells which broke. */
function retiringRunViolation(scenario: ParsedScenario, first: string): Violation | null {
  let retiring: string;
  try {
    retiring = JSON.stringify(runScenario(scenario, { retire: RETIRING_EVERY_EVENT }).summary);
  } catch (error) {
    if (error instanceof EventBudgetExceeded) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { invariant: "retirement", detail: `the run retiring after every event threw: ${message}` };
  }
  if (retiring === first) return null;
  const plain = JSON.stringify(runScenario(scenario).summary);
  return plain === first
    ? { invariant: "retirement", detail: "the run retiring after every event gave another summary" }
    : { invariant: "determinism", detail: "a second run of the same scenario gave another summary" };
}

/**
 * One seed of the swarm: its scenario, run and checked; on a violation, shrunk. Unless the space says,
 * odd seeds leave `broker.settings` at the profile's defaults, where the no-loss promise applies, and even
 * seeds draw settings.
 */
export function swarmSeed(seed: number, given: ScenarioSpace = {}): SeedOutcome {
  const space: ScenarioSpace = { ...given, settings: given.settings ?? (seed % 2 === 1 ? "default" : "drawn") };
  let overBudget = false;
  let original: { scenario: WrittenScenario; violations: Violation[] } | null = null;
  let latest: Violation[] = [];
  const result = fc.check(
    fc.property(validScenarioArbitrary(space), (scenario) => {
      const violations = violationsOf(scenario);
      if (original === null) {
        overBudget = violations === null;
        original = { scenario, violations: violations ?? [] };
      }
      if (violations === null || violations.length === 0) return true;
      latest = violations;
      return false;
    }),
    { seed, numRuns: 1 },
  );
  if (!result.failed) return { seed, kind: overBudget ? "over-budget" : "passed" };
  const found = original as { scenario: WrittenScenario; violations: Violation[] } | null;
  if (result.counterexample === null || found === null) throw result.errorInstance;
  return {
    seed,
    kind: "failed",
    scenario: found.scenario,
    violations: found.violations,
    shrunk: result.counterexample[0],
    shrunkViolations: latest,
    shrinkSteps: result.numShrinks,
  };
}
