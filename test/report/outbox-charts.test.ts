// Proves the outbox chart: a run with producer writes and a time series gets one backlog line per producer, its highest point is the run's backlogPeak, and a run without writes gets no chart.
import { describe, expect, it } from "vitest";
import { outboxChartSpecs } from "../../src/report/outbox-charts.js";
import { shippedRun } from "./fixtures.js";

describe("outbox chart", () => {
  it("draws each producer's backlog per interval, peaking at its backlogPeak", () => {
    const run = shippedRun("outbox-relay-crash");
    const [chart, ...others] = outboxChartSpecs(run);
    expect(others).toHaveLength(0);
    expect(chart!.name).toBe("outbox-backlog");
    const layers = (chart!.spec as unknown as { layer: { data?: { values?: { series?: string; value: number }[] } }[] })
      .layer;
    const values = layers
      .flatMap((layer) => layer.data?.values ?? [])
      .filter((row) => row.series === "orders (outbox)")
      .map((row) => row.value);
    expect(values.length).toBeGreaterThan(100);
    expect(Math.max(...values)).toBe(run.summary.outbox!.orders!.backlogPeak);
  });

  it("draws nothing for a run without writes", () => {
    expect(outboxChartSpecs(shippedRun("work-queue"))).toEqual([]);
  });
});
