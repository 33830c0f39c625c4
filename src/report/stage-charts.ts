import type { TopLevelSpec } from "vega-lite";
import { type ChartSpec, CONFIG, colorByName, WIDTH } from "./charts.js";
import type { Run } from "./run.js";

const PERCENTILES = ["p50", "p95", "p99"] as const;

/**
 * The charts of a pipeline (docs/patterns.md, "Flows"), for runs whose groups publish onward: each
 * stage's latency from the root's publish (so the stages read as milestones of one clock), and each
 * stage's throughput, in the order the scenario lists its groups.
 */
export function stageChartSpecs(run: Run): ChartSpec[] {
  const stages = run.summary.stages;
  if (stages === undefined) return [];
  const order = Object.keys(stages);
  const latencyRows = order.flatMap((stage) =>
    PERCENTILES.map((percentile) => ({ stage, percentile, ms: stages[stage]!.latency[percentile] })),
  );
  const seconds = run.summary.simulated.seconds;
  const throughputRows = order.flatMap((stage) => [
    { stage, figure: "received", perSecond: stages[stage]!.received / seconds },
    { stage, figure: "published onward", perSecond: stages[stage]!.publishedOnward / seconds },
  ]);
  return [
    barChart({
      name: "stage-latency",
      title: "Latency per stage",
      subtitle: "From the root message's publish to each stage's first consumption",
      rows: latencyRows,
      order,
      series: { field: "percentile", domain: [...PERCENTILES] },
      y: { field: "ms", title: "ms" },
    }),
    barChart({
      name: "stage-throughput",
      title: "Throughput per stage",
      subtitle: "Messages each stage received and published onward, per second of the run",
      rows: throughputRows,
      order,
      series: { field: "figure", domain: ["received", "published onward"] },
      y: { field: "perSecond", title: "messages/s" },
    }),
  ];
}

function barChart(chart: {
  name: string;
  title: string;
  subtitle: string;
  rows: Record<string, string | number>[];
  order: string[];
  series: { field: string; domain: string[] };
  y: { field: string; title: string };
}): ChartSpec {
  const { series } = chart;
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: chart.title, subtitle: chart.subtitle },
    width: WIDTH,
    height: 200,
    config: CONFIG,
    data: { values: chart.rows },
    mark: { type: "bar" },
    encoding: {
      x: { field: "stage", type: "ordinal", title: "stage", sort: chart.order, axis: { labelAngle: 0 } },
      xOffset: { field: series.field, type: "nominal", sort: series.domain },
      y: { field: chart.y.field, type: "quantitative", title: chart.y.title },
      color: colorByName(series.field, series.domain),
    },
  };
  return { name: chart.name, title: chart.title, spec };
}
