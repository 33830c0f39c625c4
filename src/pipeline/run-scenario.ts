import { evaluateChecks } from "../checks/checks.js";
import type { Run } from "../report/run.js";
import { buildSummary } from "../report/summary.js";
import { type SimulateOptions, simulate, simulateInterruptibly } from "../run/simulate.js";
import type { ParsedScenario } from "../scenario/schema.js";

/** Simulates a validated scenario and judges its expectations: run → check → summarize. */
export function runScenario(scenario: ParsedScenario, options: SimulateOptions = {}): Run {
  const result = simulate(scenario, options);
  const checks = evaluateChecks(result);
  return { result, checks, summary: buildSummary(result, checks) };
}

/** `runScenario`, stopping between events when `signal` aborts (a CLI's Ctrl-C); the same results otherwise. */
export async function runScenarioInterruptibly(
  scenario: ParsedScenario,
  options: SimulateOptions = {},
  signal?: AbortSignal,
): Promise<Run> {
  const result = await simulateInterruptibly(scenario, options, signal);
  const checks = evaluateChecks(result);
  return { result, checks, summary: buildSummary(result, checks) };
}
