import type { CheckResult } from "../checks/checks.js";
import type { RunResult } from "../run/simulate.js";
import type { Summary } from "./summary.js";

/** One scenario run, judged and summarized: what every report, comparison and statistic is built from. */
export interface Run {
  result: RunResult;
  checks: CheckResult[];
  summary: Summary;
}
