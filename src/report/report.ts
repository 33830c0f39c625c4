import type { TopLevelSpec } from "vega-lite";
import { batchChartSpecs } from "./batch-charts.js";
import { chartSpecs } from "./charts.js";
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
    files["timeseries.csv"] = timeSeriesCsv(run.result);
    files["latency-percentiles.csv"] = latencyPercentilesCsv(run.result);
    const charts = await renderChartFiles(
      [
        ...chartSpecs(run),
        ...patternChartSpecs(run),
        ...outboxChartSpecs(run),
        ...scheduleChartSpecs(run),
        ...stageChartSpecs(run),
        ...sagaChartSpecs(run),
        ...requestChartSpecs(run),
        ...batchChartSpecs(run),
      ],
      files,
    );
    const lineageCharts = await renderChartFiles(lineage.map(lineageChart), files);
    files["index.html"] = reportHtml(run, charts, {
      ...(options.replay === undefined ? {} : { replay: options.replay }),
      lineage: lineage.map((l, i) => ({ lineage: l, chart: lineageCharts[i]! })),
    });
  }
  return files;
}

/**
 * Renders charts into report files (charts/<name>.vl.json, .svg, .png) and
 * returns the SVGs for a page to inline. vega is loaded only when a chart is
 * drawn: it takes a second, and `queuesim validate` needs none of it.
 */
export async function renderChartFiles(
  charts: readonly { name: string; title?: string; spec: TopLevelSpec }[],
  files: Record<string, string | Uint8Array>,
): Promise<RenderedChart[]> {
  if (charts.length === 0) return [];
  const { renderSvg, svgToPngOffThread } = await import("./render.js");
  // Each PNG rasterises on the thread pool while the next SVG is drawn here; the files are then added in
  // the order they always had (.vl.json, .svg, .png per chart). One PNG at a time: rasterising them all at
  // once gained no time on two cores and held the Kafka 1M run's peak RSS at ~247 MB (180-230 MB one at a time).
  const rendered: RenderedChart[] = [];
  const pngs: Promise<Uint8Array>[] = [];
  let previousPng: Promise<unknown> = Promise.resolve();
  for (const chart of charts) {
    const svg = await renderSvg(chart.spec);
    const png = previousPng.then(() => svgToPngOffThread(svg));
    // Awaited below; the catch also keeps a failure from counting as unhandled in the meantime.
    previousPng = png.catch(() => {});
    pngs.push(png);
    rendered.push({ name: chart.name, title: chart.title ?? chart.name, svg });
  }
  const pngBytes = await Promise.all(pngs);
  charts.forEach((chart, i) => {
    files[`charts/${chart.name}.vl.json`] = `${JSON.stringify(chart.spec, null, 2)}\n`;
    files[`charts/${chart.name}.svg`] = rendered[i]!.svg;
    files[`charts/${chart.name}.png`] = pngBytes[i]!;
  });
  return rendered;
}
