// Proves the batch-size chart: a run with batching groups and a time series gets one point per interval in which batches began, at their mean size, accounting for every batch of the summary; a run without batches gets no chart.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { batchChartSpecs } from "../../src/report/batch-charts.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";
import { shippedRun } from "./fixtures.js";

describe("batch-size chart", () => {
  it("shows the shipped SQS batch crash's two full batches: the first at 0 s and its redelivery after the visibility timeout", () => {
    const run = shippedRun("sqs-batch-crash");
    const [chart, ...others] = batchChartSpecs(run);
    expect(others).toHaveLength(0);
    expect(chart!.name).toBe("batch-size");
    const rows = (chart!.spec as unknown as { data: { values: { group: string; time_s: number; meanSize: number }[] } })
      .data.values;
    expect(rows.map((row) => row.meanSize)).toEqual([10, 10]);
    expect(rows[1]!.time_s).toBeGreaterThanOrEqual(30);
    expect(run.summary.batches!.indexer!.batches).toBe(2);
  });

  it("accounts for every batch begun: deliveries over batches per interval, weighted back, give the summary's mean", () => {
    const run = runScenario(
      parsed(
        scenarioInput({
          duration: "2s",
          producers: [{ name: "p", rate: "300/s" }],
          consumers: [{ group: "indexer", processing: "2ms", batch: { size: 8, wait: "20ms" } }],
        }),
      ),
      { series: "auto" },
    );
    const series = run.result.batches!.indexer!.series!;
    const batches = series.batches.reduce((a, b) => a + b, 0);
    const deliveries = series.deliveries.reduce((a, b) => a + b, 0);
    expect(batches).toBe(run.summary.batches!.indexer!.batches);
    expect(deliveries / batches).toBeCloseTo(run.summary.batches!.indexer!.meanSize, 3);
    const rows = (batchChartSpecs(run)[0]!.spec as unknown as { data: { values: unknown[] } }).data.values;
    expect(rows).toHaveLength(series.batches.filter((count) => count > 0).length);
  });

  it("draws nothing for a run without batches", () => {
    expect(batchChartSpecs(shippedRun("work-queue"))).toEqual([]);
  });
});
