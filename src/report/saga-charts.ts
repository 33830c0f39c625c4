import type { TopLevelSpec } from "vega-lite";
import { type ChartSpec, CONFIG, WIDTH } from "./charts.js";
import type { Run } from "./run.js";

const OUTCOMES = ["completed", "compensated", "stuck", "in flight"] as const;
/** Stuck in red, so one among hundreds is not mistaken for a success. */
const COLOURS = ["#4c78a8", "#f58518", "#e45756", "#bab0ac"];

/**
 * The sagas' outcomes (docs/patterns.md, "Sagas"): one stacked bar per saga, so a stuck saga among
 * hundreds that finished still shows as its own colour.
 */
export function sagaChartSpecs(run: Run): ChartSpec[] {
  const sagas = run.summary.sagas;
  if (sagas === undefined) return [];
  const rows = Object.entries(sagas).flatMap(([saga, s]) =>
    [s.completed, s.compensated, s.stuck, s.inFlight].map((count, index) => ({
      saga,
      outcome: OUTCOMES[index]!,
      outcomeOrder: index,
      count,
    })),
  );
  // A handful of stuck sagas is too thin a bar to see: the counts are in the subtitle too.
  const counts = Object.entries(sagas).map(
    ([saga, s]) =>
      `${saga}: ${s.completed} completed, ${s.compensated} compensated, ${s.stuck} stuck, ${s.inFlight} in flight`,
  );
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Saga outcomes",
      subtitle: counts,
    },
    width: WIDTH,
    height: 40 * Object.keys(sagas).length + 40,
    config: CONFIG,
    data: { values: rows },
    mark: { type: "bar" },
    encoding: {
      y: { field: "saga", type: "nominal", title: null },
      x: { field: "count", type: "quantitative", title: "sagas", stack: "zero" },
      color: {
        field: "outcome",
        type: "nominal",
        title: null,
        sort: [...OUTCOMES],
        scale: { domain: [...OUTCOMES], range: COLOURS },
        legend: { orient: "top", direction: "horizontal" },
      },
      order: { field: "outcomeOrder", type: "quantitative" },
      tooltip: [
        { field: "saga", type: "nominal" },
        { field: "outcome", type: "nominal" },
        { field: "count", type: "quantitative" },
      ],
    },
  };
  return [{ name: "saga-outcomes", title: "Saga outcomes", spec }];
}
