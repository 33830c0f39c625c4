// Proves the chart thread's warm-up draws the same kinds of chart as the report it precedes, from a run short enough not to matter.
import { describe, expect, it } from "vitest";
import { runCharts } from "../../src/report/report.js";
import { warmUpCharts } from "../../src/report/warm-up.js";
import { shippedRun } from "./fixtures.js";

function titles(specs: readonly unknown[]): string[] {
  return specs.map((spec) => JSON.stringify((spec as { title?: { text?: string } }).title?.text));
}

describe("warm-up charts", () => {
  it.each(["work-queue", "payments-outage-breaker", "outbox-relay-crash"])(
    "%s: the same charts, in the same order, as its report draws",
    (name) => {
      const run = shippedRun(name);
      const warmUp = warmUpCharts(run.result.scenario);
      expect(warmUp).toBeDefined();
      expect(titles(warmUp!)).toEqual(titles(runCharts(run).map((chart) => chart.spec)));
    },
  );

  it("gives up quietly, with no charts, when the short run fails", () => {
    const run = shippedRun("work-queue");
    expect(warmUpCharts({ ...run.result.scenario, limits: { ...run.result.scenario.limits, maxEvents: 10 } })).toBe(
      undefined,
    );
  });
});
