import type { TopLevelSpec } from "vega-lite";
import { PERCENTILES } from "../metrics/latency.js";
import type { Run } from "../report/run.js";

/** One colour per profile, fixed by the profile's place in the comparison, identical in every chart. */
const COLORS = [
  "#4c78a8",
  "#f58518",
  "#54a24b",
  "#e45756",
  "#72b7b2",
  "#b279a2",
  "#eeca3b",
  "#9d755d",
  "#ff9da6",
  "#79706e",
];
const FONT = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif";

export interface OverlayChart {
  name: string;
  title: string;
  spec: TopLevelSpec;
}

/** Overlays with one line per profile: throughput and lag over time, and the latency percentile distribution. */
export function overlayCharts(runs: readonly Run[]): OverlayChart[] {
  const profiles = runs.map((run) => run.summary.profile);
  const color = {
    field: "profile",
    type: "nominal" as const,
    title: "profile",
    scale: { domain: profiles, range: profiles.map((_, i) => COLORS[i % COLORS.length]!) },
    legend: { orient: "top" as const },
  };
  const overTime = (name: string, title: string, yTitle: string, read: (run: Run, i: number) => number | undefined) => {
    const rows = runs.flatMap((run) => {
      const series = run.result.series;
      if (!series) return [];
      // The last interval ends part-way through the run; leave it out of rates.
      return series.points.slice(0, -1).flatMap((p, i) => {
        const value = read(run, i);
        return value === undefined ? [] : [{ time_s: p.start / 1e6, profile: run.summary.profile, value }];
      });
    });
    const spec: TopLevelSpec = {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: title, subtitle: "one line per profile, same workload and faults" },
      width: 720,
      height: 230,
      data: { values: rows },
      mark: { type: "line", strokeWidth: 1.5 },
      encoding: {
        x: { field: "time_s", type: "quantitative", title: "time (s)" },
        y: { field: "value", type: "quantitative", title: yTitle },
        color,
      },
      config: { font: FONT, view: { stroke: "#ccc" } },
    };
    return { name, title, spec };
  };
  const perSecond = (run: Run) => 1e6 / (run.result.series?.intervalMicros ?? 1e6);
  const percentileRows = runs.flatMap(percentileRowsOf);
  const distribution: OverlayChart = {
    name: "latency-percentiles",
    title: "End-to-end latency percentiles",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: "End-to-end latency percentiles", subtitle: "x: 1 in N messages is slower; both axes log scale" },
      width: 720,
      height: 230,
      data: { values: percentileRows },
      mark: { type: "line", point: true },
      encoding: {
        x: {
          field: "one_in",
          type: "quantitative",
          title: "percentile (1 in N)",
          scale: { type: "log" },
          axis: {
            values: [2, 10, 100, 1000, 10000, 100000],
            labelExpr: "format(100 - 100 / datum.value, '.3~f') + '%'",
          },
        },
        // Log scale: one slow profile would otherwise flatten every other line onto the x axis.
        y: { field: "latency_ms", type: "quantitative", title: "latency (ms, log scale)", scale: { type: "log" } },
        color,
        order: { field: "order" },
      },
      config: { font: FONT, view: { stroke: "#ccc" } },
    },
  };
  return [
    overTime("throughput", "Consumed throughput", "messages/s", (run, i) => {
      const point = run.result.series?.points[i];
      return point ? point.consumed * perSecond(run) : undefined;
    }),
    overTime("lag", "Consumer lag (all groups)", "messages", (run, i) => {
      const point = run.result.series?.points[i];
      return point ? point.lag.reduce((sum, lag) => sum + lag, 0) : undefined;
    }),
    distribution,
  ];
}

/** One profile's latency percentiles as chart rows; a log axis has no zero, so a run that consumed nothing draws no line. */
function percentileRowsOf(run: Run) {
  return PERCENTILES.filter((p) => p > 0 && p < 100)
    .map((p, i) => ({
      profile: run.summary.profile,
      one_in: 1 / (1 - p / 100),
      latency_ms: run.result.endToEnd.percentiles[PERCENTILES.indexOf(p)]! / 1000,
      order: i,
    }))
    .filter((row) => row.latency_ms > 0);
}
