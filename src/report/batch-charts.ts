import type { TopLevelSpec } from "vega-lite";
import { formatDuration } from "../units/units.js";
import { type ChartSpec, CONFIG, colorByName, WIDTH } from "./charts.js";
import type { Run } from "./run.js";

/**
 * Mean batch size per interval, per batching group (docs/patterns.md, "Batching"): batches stay full under
 * load and shrink to what `wait` gathers when the queue runs dry, which the summary's one mean hides.
 * Intervals in which no batch began have no point.
 */
export function batchChartSpecs(run: Run): ChartSpec[] {
  const batches = run.result.batches;
  if (batches === undefined) return [];
  const groups = Object.keys(batches).filter((group) => batches[group]!.series !== undefined);
  if (groups.length === 0) return [];
  const interval = batches[groups[0]!]!.series!.intervalMicros;
  const rows = groups.flatMap((group) => {
    const series = batches[group]!.series!;
    return series.batches.flatMap((count, i) =>
      count === 0
        ? []
        : [{ group, time_s: (i * interval) / 1e6, meanSize: Math.round((series.deliveries[i]! / count) * 100) / 100 }],
    );
  });
  const end = Math.max(run.result.endedAt, interval) / 1e6;
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Batch size",
      subtitle: `Mean deliveries per batch begun, per ${formatDuration(interval)} interval, per batching group`,
    },
    width: WIDTH,
    height: 200,
    config: CONFIG,
    data: { values: rows },
    // Points, not a line: batches can be far apart (a redelivery 30 s later), and a line would invent the ones between.
    mark: { type: "point", filled: true },
    encoding: {
      x: { field: "time_s", type: "quantitative", title: "time (s)", scale: { domain: [0, end], nice: false } },
      y: { field: "meanSize", type: "quantitative", title: "deliveries per batch", scale: { zero: true } },
      color: colorByName("group", groups),
    },
  };
  return [{ name: "batch-size", title: "Batch size", spec }];
}
