/**
 * queuesim's library API: the stages the CLI composes.
 *
 *   load → validate → build → run → check → summarize → write
 */
import { type CheckResult, evaluateChecks } from "./checks/checks.js";
import { buildSummary, type Summary } from "./report/summary.js";
import { type RunResult, type SimulateOptions, simulate } from "./run/simulate.js";
import type { ParsedScenario } from "./scenario/schema.js";

export { type CheckResult, evaluateChecks } from "./checks/checks.js";
export { buildSummary, type LatencySummary, type Summary } from "./report/summary.js";
export { reportDirectory, writeSummary } from "./report/write.js";
export { type RunResult, type SimulateOptions, simulate } from "./run/simulate.js";
export { formatIssue, type ScenarioIssue } from "./scenario/issues.js";
export { type LoadResult, loadScenarioFile, parseScenarioText, validateScenario } from "./scenario/load.js";
export { type ParsedScenario, type ScenarioInput, scenarioSchema } from "./scenario/schema.js";

export interface Run {
  result: RunResult;
  checks: CheckResult[];
  summary: Summary;
}

/** Simulates a validated scenario and judges its expectations. */
export function runScenario(scenario: ParsedScenario, options: SimulateOptions = {}): Run {
  const result = simulate(scenario, options);
  const checks = evaluateChecks(result);
  return { result, checks, summary: buildSummary(result, checks) };
}
