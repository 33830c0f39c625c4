// Proves sweeps, replications and comparisons pick up the pattern figures: each dependency's, group's and breaker's figures become metrics named by their summary.json path.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { isPatternMetric, metricNamesOf, metricsOf } from "../../src/stats/replications.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

describe("pattern metrics", () => {
  const scenario = parsed(
    scenarioInput({
      dependencies: { payments: { latency: "1ms", errors: { transient: 0.2 } } },
      consumers: [
        {
          group: "billing",
          steps: [{ call: "payments" }],
          retry: { maxAttempts: 2 },
          breakers: { payments: { consecutiveFailures: 50 } },
        },
      ],
    }),
  );
  const run = runScenario(scenario);

  it("reads each figure from summary.json under its path", () => {
    const metrics = metricsOf(run);
    expect(metrics["dependencies.payments.amplification"]).toBe(run.summary.dependencies!.payments!.amplification);
    expect(metrics["retries.billing.deadLettered"]).toBe(run.summary.retries!.billing!.deadLettered);
    expect(metrics["breakers.billing/payments.opened"]).toBe(0);
    expect(metrics["dependencies.payments.amplification"]).toBeGreaterThan(1.1);
  });

  it("lists the fixed metrics first, then the pattern metrics any run had", () => {
    const names = metricNamesOf([metricsOf(run)]);
    expect(names[0]).toBe("throughput.consumed");
    expect(names).toContain("dependencies.payments.calls");
    expect(names.filter(isPatternMetric)).toHaveLength(names.length - 16);
  });

  it("recognises pattern metric names for --find and --metric", () => {
    expect(isPatternMetric("dependencies.payments.amplification")).toBe(true);
    expect(isPatternMetric("breakers.billing/payments.openMs")).toBe(true);
    expect(isPatternMetric("latency.endToEnd.p99")).toBe(false);
  });
});

describe("sweep charts of pattern metrics", () => {
  it("charts amplification, dead-letters and breaker time against the swept parameter, with file-safe names", async () => {
    const { sweepCharts } = await import("../../src/sweep/charts.js");
    const { vegaLiteWarnings } = await import("../../src/report/render.js");
    const row = (attempts: number) => ({
      "throughput.consumed": 10,
      "dependencies.payments.amplification": 1 + 1 / attempts,
      "retries.billing.deadLettered": 100 / attempts,
      "breakers.billing/payments.openMs": 5,
    });
    const charts = sweepCharts({
      scenario: "test",
      parameters: ["consumers.billing.retry.maxAttempts"],
      points: 2,
      replications: 1,
      results: [1, 4].map((attempts, index) => ({ index, values: [attempts], replications: [row(attempts)] })),
    });
    expect(charts.map((c) => c.name).slice(4)).toEqual([
      "dependencies-payments-amplification",
      "retries-billing-deadLettered",
      "breakers-billing-payments-openMs",
    ]);
    for (const chart of charts.slice(4)) expect(vegaLiteWarnings(chart.spec)).toEqual([]);
  });
});
