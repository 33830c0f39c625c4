import { evaluateChecks } from "../checks/checks.js";
import type { Run } from "../report/run.js";
import { buildSummary } from "../report/summary.js";
import { type SimulateOptions, simulate } from "../run/simulate.js";
import type { ParsedScenario } from "../scenario/schema.js";

/** Simulates a validated scenario and judges its expectations: run → check → summarize. */
export function runScenario(scenario: ParsedScenario, options: SimulateOptions = {}): Run {
  const result = simulate(scenario, options);
  const checks = evaluateChecks(result);
  return { result, checks, summary: buildSummary(result, checks) };
}
