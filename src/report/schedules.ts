import type { TopLevelSpec } from "vega-lite";
import { type ScheduleFigures, type ScheduleSummary, scheduleSummaryOf } from "../model/recurring.js";
import { type ChartSpec, CONFIG, colorByName, WIDTH } from "./charts.js";
import type { Run } from "./run.js";

// The figures are computed beside their counters (src/model/recurring.ts, src/brokers/delays.ts), where
// expect's checks read them too: summary.json and expect.schedules / expect.delays state the same numbers.
export type { DelaySummary } from "../brokers/delays.js";
export { delaySummary } from "../brokers/delays.js";
export type { ScheduleSummary } from "../model/recurring.js";

export function scheduleSummaries(figures: Record<string, ScheduleFigures>): Record<string, ScheduleSummary> {
  return Object.fromEntries(Object.entries(figures).map(([name, f]) => [name, scheduleSummaryOf(f)]));
}

/** Scheduled vs actual start of every published tick: on time on the diagonal, late ones above it. */
export function scheduleChartSpecs(run: Run): ChartSpec[] {
  const schedules = run.result.schedules;
  if (schedules === undefined) return [];
  const names = Object.keys(schedules);
  const rows = names.flatMap((producer) =>
    schedules[producer]!.starts.map((start) => ({
      producer,
      scheduled_s: start.scheduled / 1e6,
      actual_s: start.actual / 1e6,
      late: start.actual > start.scheduled ? "late (published at restart)" : "on time",
    })),
  );
  const end = run.result.endedAt / 1e6;
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Scheduled vs actual start",
      subtitle:
        "When each tick of a recurring producer was due and when its message was published: on the diagonal when on time, above it when late",
    },
    width: WIDTH,
    height: 260,
    config: CONFIG,
    layer: [
      {
        data: { values: [{ t: 0 }, { t: end }] },
        mark: { type: "line", color: "#bbbbbb", strokeDash: [4, 4] },
        encoding: {
          x: { field: "t", type: "quantitative" },
          y: { field: "t", type: "quantitative" },
        },
      },
      {
        data: { values: rows },
        mark: { type: "point", filled: true },
        encoding: {
          x: { field: "scheduled_s", type: "quantitative", title: "scheduled (s)", scale: { domain: [0, end] } },
          y: { field: "actual_s", type: "quantitative", title: "published (s)", scale: { domain: [0, end] } },
          color: colorByName("producer", names),
          shape: { field: "late", type: "nominal", title: null, legend: { orient: "top", direction: "horizontal" } },
        },
      },
    ],
  };
  return [{ name: "schedule-starts", title: "Scheduled vs actual start", spec }];
}
