import { meanBatchSize } from "../model/batches.js";
import type { RunResult } from "../run/simulate.js";
import type { FigureBound } from "../scenario/patterns.js";
import type { CheckResult } from "./checks.js";
import { boundCheck } from "./patterns.js";

/** The bounds under expect.batches, judged against each group's figures as summary.json states them. */
export function batchChecks(result: RunResult): CheckResult[] {
  const expected = result.scenario.expect.batches;
  if (expected === undefined || result.batches === undefined) return [];
  const checks: CheckResult[] = [];
  for (const [group, bounds] of Object.entries(expected)) {
    const figures = result.batches[group];
    if (figures === undefined) continue;
    const values = {
      batches: figures.started,
      meanSize: meanBatchSize(figures.bySize, figures.started),
      settled: figures.settled,
      abandoned: figures.abandoned,
    };
    for (const [figure, bound] of Object.entries(bounds) as [keyof typeof values, FigureBound | undefined][]) {
      if (bound !== undefined)
        checks.push(boundCheck(`batches.${group}.${figure}`, values[figure], bound, result.counts.published));
    }
  }
  return checks;
}
