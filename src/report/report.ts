import type { Run } from "../index.js";
import { chartSpecs } from "./charts.js";
import { latencyPercentilesCsv, timeSeriesCsv } from "./csv.js";
import { type RenderedChart, reportHtml } from "./html.js";
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
    // Loaded here, not at the top: vega takes a second to load, and `queuesim validate` needs none of it.
    const { renderSvg, svgToPng } = await import("./render.js");
    const charts: RenderedChart[] = [];
    for (const chart of chartSpecs(run)) {
      const svg = await renderSvg(chart.spec);
      files[`charts/${chart.name}.vl.json`] = `${JSON.stringify(chart.spec, null, 2)}\n`;
      files[`charts/${chart.name}.svg`] = svg;
      files[`charts/${chart.name}.png`] = svgToPng(svg);
      charts.push({ name: chart.name, title: chart.title, svg });
    }
    files["index.html"] = reportHtml(run, charts);
  }
  return files;
}
