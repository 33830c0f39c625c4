import type { TopLevelSpec } from "vega-lite";
import { batchChartSpecs } from "./batch-charts.js";
import { type ChartRenderer, drawHere } from "./chart-renderer.js";
import { type ChartSpec, chartSpecs } from "./charts.js";
import { latencyPercentilesCsv, timeSeriesCsv } from "./csv.js";
import { type RenderedChart, reportHtml } from "./html.js";
import type { Lineage } from "./lineage.js";
import { lineageChart } from "./lineage-chart.js";
import { outboxChartSpecs } from "./outbox-charts.js";
import { patternChartSpecs } from "./pattern-charts.js";
import { requestChartSpecs } from "./request-charts.js";
import type { Run } from "./run.js";
import { sagaChartSpecs } from "./saga-charts.js";
import { scheduleChartSpecs } from "./schedules.js";
import { stageChartSpecs } from "./stage-charts.js";
import { summaryJson } from "./write.js";

export interface ReportOptions {
  /** What draws the charts: by default this thread; `queuesim run` passes a ChartThread it started early. */
  renderer?: ChartRenderer;
  /** The command that replays the run, as the page shows it; without it, a generic one. */
  replay?: string;
  /** The counter-example messages' timelines (pipeline/lineage.ts): lineage.json and a chart beside each. */
  lineage?: readonly Lineage[];
}

/**
 * Every file of a run's report, by path inside the report directory. Built
 * from the run's plain results only; nothing here touches the live model.
 * A run with a time series also gets charts/<name>.vl.json, .svg and .png and
 * an index.html that shows them all.
 */
export async function reportFiles(run: Run, options: ReportOptions = {}): Promise<Record<string, string | Uint8Array>> {
  const files: Record<string, string | Uint8Array> = { "summary.json": summaryJson(run.summary) };
  const lineage = options.lineage ?? [];
  if (lineage.length > 0) files["lineage.json"] = `${JSON.stringify(lineage, null, 2)}\n`;
  if (run.result.series) {
    const charts = runCharts(run);
    // One drawing for both kinds, so a chart thread draws them in one go; the CSVs are written meanwhile (before
    // the chart files, which renderChartFiles adds only once they are drawn: the files keep their order).
    const drawing = renderChartFiles([...charts, ...lineage.map(lineageChart)], files, options.renderer);
    files["timeseries.csv"] = timeSeriesCsv(run.result);
    files["latency-percentiles.csv"] = latencyPercentilesCsv(run.result);
    const rendered = await drawing;
    const lineageCharts = rendered.slice(charts.length);
    files["index.html"] = reportHtml(run, rendered.slice(0, charts.length), {
      ...(options.replay === undefined ? {} : { replay: options.replay }),
      lineage: lineage.map((l, i) => ({ lineage: l, chart: lineageCharts[i]! })),
    });
  }
  return files;
}

/** The charts of a run's report, in the order the page shows them (lineage charts come after). */
export function runCharts(run: Run): ChartSpec[] {
  return [
    ...chartSpecs(run),
    ...patternChartSpecs(run),
    ...outboxChartSpecs(run),
    ...scheduleChartSpecs(run),
    ...stageChartSpecs(run),
    ...sagaChartSpecs(run),
    ...requestChartSpecs(run),
    ...batchChartSpecs(run),
  ];
}

/**
 * Renders charts into report files (charts/<name>.vl.json, .svg, .png) and returns the SVGs for a page to
 * inline. The files are added in the order they always had (.vl.json, .svg, .png per chart).
 */
export async function renderChartFiles(
  charts: readonly { name: string; title?: string; spec: TopLevelSpec }[],
  files: Record<string, string | Uint8Array>,
  renderer: ChartRenderer = drawHere,
): Promise<RenderedChart[]> {
  if (charts.length === 0) return [];
  const drawn = await renderer.draw(charts.map((chart) => chart.spec));
  return charts.map((chart, i) => {
    files[`charts/${chart.name}.vl.json`] = `${JSON.stringify(chart.spec, null, 2)}\n`;
    files[`charts/${chart.name}.svg`] = drawn[i]!.svg;
    files[`charts/${chart.name}.png`] = drawn[i]!.png;
    return { name: chart.name, title: chart.title ?? chart.name, svg: drawn[i]!.svg };
  });
}
