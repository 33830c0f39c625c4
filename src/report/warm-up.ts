import type { TopLevelSpec } from "vega-lite";
import { evaluateChecks } from "../checks/checks.js";
import { expectedMessages } from "../run/build.js";
import { simulate } from "../run/simulate.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { runCharts } from "./report.js";
import { buildSummary } from "./summary.js";

/** About this many messages: a few milliseconds of simulation, yet every chart the report will draw. */
const WARM_UP_MESSAGES = 5_000;

/**
 * The charts of a short run of `scenario`, for a chart thread to draw while the real run simulates: the same
 * kinds of chart, with data of the same shape (a time series has a few hundred points whatever the run's
 * length), so V8 has compiled what the real charts run through by the time they arrive. A tiny made-up chart
 * warms far less (measured: the real charts then drew about 2.5 times slower). Undefined when the short run
 * fails; nothing of it reaches a report.
 */
export function warmUpCharts(scenario: ParsedScenario): TopLevelSpec[] | undefined {
  const fraction = Math.min(1, WARM_UP_MESSAGES / expectedMessages(scenario));
  const short: ParsedScenario = {
    ...scenario,
    duration: Math.max(1, Math.round(scenario.duration * fraction)),
    warmup: 0,
    limits: { ...scenario.limits, maxEvents: Math.min(scenario.limits.maxEvents, 50 * WARM_UP_MESSAGES) },
  };
  try {
    const result = simulate(short, { series: "auto" });
    const checks = evaluateChecks(result);
    return runCharts({ result, checks, summary: buildSummary(result, checks) }).map((chart) => chart.spec);
  } catch {
    return undefined;
  }
}
