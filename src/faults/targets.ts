import { componentsOf, type FaultScope } from "./components.js";
import type { TargetProblem } from "./kind.js";
import { kindOfWritten } from "./registry.js";

export type { FaultScope } from "./components.js";
export type { TargetProblem } from "./kind.js";

/**
 * Checks that every fault names components the scenario has: a consumer
 * instance (billing/2), group (billing) or random pick (billing/*), a
 * producer, the broker or one of its nodes. Run after the schema, on the
 * parsed scenario; each kind checks its own fields.
 */
export function faultTargetProblems(scenario: FaultScope): TargetProblem[] {
  if (scenario.faults.length === 0) return [];
  const components = componentsOf(scenario);
  return scenario.faults.flatMap((fault, index) =>
    kindOfWritten(fault).checkTargets(fault, ["faults", index], components),
  );
}
