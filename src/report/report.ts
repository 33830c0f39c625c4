import type { Run } from "../index.js";
import { latencyPercentilesCsv, timeSeriesCsv } from "./csv.js";
import { summaryJson } from "./write.js";

/**
 * Every file of a run's report, by path inside the report directory. Built
 * from the run's plain results only; nothing here touches the live model.
 */
export async function reportFiles(run: Run): Promise<Record<string, string | Uint8Array>> {
  const files: Record<string, string | Uint8Array> = { "summary.json": summaryJson(run.summary) };
  if (run.result.series) {
    files["timeseries.csv"] = timeSeriesCsv(run.result);
    files["latency-percentiles.csv"] = latencyPercentilesCsv(run.result);
  }
  return files;
}
