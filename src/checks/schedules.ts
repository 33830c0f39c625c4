import { delaySummary } from "../brokers/delays.js";
import { scheduleSummaryOf } from "../model/recurring.js";
import type { RunResult } from "../run/simulate.js";
import type { FigureBound } from "../scenario/patterns.js";
import type { CheckResult } from "./checks.js";
import { boundCheck } from "./patterns.js";

type Bounds = Partial<Record<string, FigureBound>>;

/**
 * The bounds under expect.schedules (schedules.<producer>.<figure>) and expect.delays (delays.<figure>),
 * judged against the figures summary.json states, computed by the same functions.
 */
export function scheduleChecks(result: RunResult): CheckResult[] {
  const expect = result.scenario.expect;
  const published = result.counts.published;
  const checks: CheckResult[] = [];
  for (const [producer, bounds] of Object.entries(expect.schedules ?? {})) {
    const figures = result.schedules?.[producer];
    if (figures === undefined) continue;
    const summary = scheduleSummaryOf(figures) as unknown as Record<string, number>;
    for (const [figure, bound] of Object.entries(bounds as Bounds))
      if (bound !== undefined)
        checks.push(boundCheck(`schedules.${producer}.${figure}`, summary[figure]!, bound, published));
  }
  if (expect.delays !== undefined && result.delays !== undefined) {
    const summary = delaySummary(result.delays) as unknown as Record<string, number>;
    for (const [figure, bound] of Object.entries(expect.delays as Bounds))
      if (bound !== undefined) checks.push(boundCheck(`delays.${figure}`, summary[figure]!, bound, published));
  }
  return checks;
}
