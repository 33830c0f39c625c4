import { type LatencySnapshot, percentileOf } from "../metrics/latency.js";
import type { RunResult } from "../run/simulate.js";
import { formatDuration } from "../scenario/units.js";

/** One expectation from the scenario's `expect:` section, judged against a run. */
export interface CheckResult {
  name: string;
  expected: string;
  observed: string;
  passed: boolean;
}

type Expectations = RunResult["scenario"]["expect"];
type LatencyBounds = NonNullable<Expectations["latency"]>;

/** Judges every expectation the scenario states; an empty `expect:` yields no checks. */
export function evaluateChecks(result: RunResult): CheckResult[] {
  const expect = result.scenario.expect;
  const checks: CheckResult[] = [];
  if (expect.delivery) checks.push(deliveryCheck(expect.delivery, result));
  if (expect.latency) checks.push(...latencyChecks("latency", expect.latency, result.endToEnd));
  if (expect.queueWait) checks.push(...latencyChecks("queueWait", expect.queueWait, result.queueWait));
  return checks;
}

/**
 * Delivery guarantees in Jepsen's terms. Messages still pending when the drain
 * timeout ran out fail the check: the run could not show that they arrive.
 */
function deliveryCheck(guarantee: NonNullable<Expectations["delivery"]>, result: RunResult): CheckResult {
  const { lost, duplicated, unexpected, pending } = result.counts;
  const forbidsLoss = guarantee !== "at-most-once";
  const forbidsDuplicates = guarantee !== "at-least-once";
  const parts = [`${lost} lost`, `${duplicated} duplicated`, `${unexpected} unexpected`, `${pending} pending`];
  const passed =
    unexpected === 0 && (!forbidsLoss || (lost === 0 && pending === 0)) && (!forbidsDuplicates || duplicated === 0);
  const expected = [
    forbidsLoss ? "none lost or pending" : "",
    forbidsDuplicates ? "none duplicated" : "",
    "none unexpected",
  ]
    .filter((part) => part !== "")
    .join(", ");
  return { name: `delivery: ${guarantee}`, expected, observed: parts.join(", "), passed };
}

const STATISTICS = ["mean", "p50", "p95", "p99", "max"] as const;

function latencyChecks(metric: string, bounds: LatencyBounds, stats: LatencySnapshot): CheckResult[] {
  return STATISTICS.flatMap((statistic) => {
    const bound = bounds[statistic];
    if (bound === undefined) return [];
    const value = statisticOf(stats, statistic);
    return [
      {
        name: `${metric}.${statistic}`,
        expected: `<= ${formatDuration(bound)}`,
        observed: formatDuration(value),
        passed: value <= bound,
      },
    ];
  });
}

export function statisticOf(stats: LatencySnapshot, statistic: (typeof STATISTICS)[number]): number {
  switch (statistic) {
    case "mean":
      return stats.mean;
    case "max":
      return stats.max;
    case "p50":
      return percentileOf(stats, 50);
    case "p95":
      return percentileOf(stats, 95);
    case "p99":
      return percentileOf(stats, 99);
  }
}
