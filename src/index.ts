/**
 * queuesim's library API: the stages the CLI composes.
 *
 *   load → validate → build → run → check → summarize → report
 *
 * This module only re-exports; nothing inside src/ imports it (lint enforces the layering).
 */
export { type CheckResult, evaluateChecks } from "./checks/checks.js";
export { runScenario } from "./pipeline/run-scenario.js";
export type { Run } from "./report/run.js";
export { buildSummary, type LatencySummary, type Summary } from "./report/summary.js";
export { reportDirectory, writeSummary } from "./report/write.js";
export { type RunResult, type SimulateOptions, simulate } from "./run/simulate.js";
export { scenarioSchema } from "./scenario/full-schema.js";
export { formatIssue, type ScenarioIssue } from "./scenario/issues.js";
export { type LoadResult, loadScenarioFile, parseScenarioText, validateScenario } from "./scenario/load.js";
export type { ParsedScenario, ScenarioInput } from "./scenario/schema.js";
