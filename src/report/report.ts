import type { TopLevelSpec } from "vega-lite";
import { chartSpecs } from "./charts.js";
import { latencyPercentilesCsv, timeSeriesCsv } from "./csv.js";
import { type RenderedChart, reportHtml } from "./html.js";
import { patternChartSpecs } from "./pattern-charts.js";
import type { Run } from "./run.js";
import { summaryJson } from "./write.js";

/**
 * Every file of a run's report, by path inside the report directory. Built
 * from the run's plain results only; nothing here touches the live model.
 * A run with a time series also gets charts/<name>.vl.json, .svg and .png and
 * an index.html that shows them all.
 */
export async function reportFiles(run: Run): Promise<Record<string, string | Uint8Array>> {
  const files: Record<string, string | Uint8Array> = { "summary.json": summaryJson(run.summary) };
  if (run.result.series) {
    files["timeseries.csv"] = timeSeriesCsv(run.result);
    files["latency-percentiles.csv"] = latencyPercentilesCsv(run.result);
    const charts = [...chartSpecs(run), ...patternChartSpecs(run)];
    files["index.html"] = reportHtml(run, await renderChartFiles(charts, files));
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
  const { renderSvg, svgToPng } = await import("./render.js");
  const rendered: RenderedChart[] = [];
  for (const chart of charts) {
    const svg = await renderSvg(chart.spec);
    files[`charts/${chart.name}.vl.json`] = `${JSON.stringify(chart.spec, null, 2)}\n`;
    files[`charts/${chart.name}.svg`] = svg;
    files[`charts/${chart.name}.png`] = svgToPng(svg);
    rendered.push({ name: chart.name, title: chart.title ?? chart.name, svg });
  }
  return rendered;
}
