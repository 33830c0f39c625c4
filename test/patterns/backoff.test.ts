// Proves the backoff schedules match their formulas exactly with jitter off, and that full jitter is uniform on [0, d] (Kolmogorov-Smirnov, fixed seed).
import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/patterns/backoff.js";
import type { Backoff } from "../../src/patterns/spec.js";
import { streamFor } from "../../src/random/streams.js";

const noDraws = () => {
  throw new Error("jitter off must draw nothing");
};

function schedule(backoff: Backoff, retries: number): number[] {
  const delays: number[] = [];
  let previous = 0;
  for (let retry = 1; retry <= retries; retry++) {
    previous = backoffDelay(backoff, retry, previous, noDraws);
    delays.push(previous);
  }
  return delays;
}

describe("backoff with jitter off", () => {
  it("waits the same delay before every retry (fixed)", () => {
    expect(schedule({ type: "fixed", delay: 250_000, jitter: "none" }, 4)).toEqual([
      250_000, 250_000, 250_000, 250_000,
    ]);
  });

  it("doubles from base (exponential), d_n = base x 2^(n-1)", () => {
    expect(
      schedule({ type: "exponential", base: 100_000, multiplier: 2, cap: 1_000_000_000, jitter: "none" }, 6),
    ).toEqual([100_000, 200_000, 400_000, 800_000, 1_600_000, 3_200_000]);
  });

  it("stops growing at the cap, d_n = min(cap, base x m^(n-1))", () => {
    expect(schedule({ type: "exponential", base: 100_000, multiplier: 3, cap: 2_000_000, jitter: "none" }, 5)).toEqual([
      100_000, 300_000, 900_000, 2_000_000, 2_000_000,
    ]);
  });

  it("retries at once with no backoff", () => {
    expect(schedule({ type: "none" }, 3)).toEqual([0, 0, 0]);
  });
});

/** The Kolmogorov-Smirnov statistic of samples against the uniform distribution on [0, upper]. */
function ksUniform(samples: number[], upper: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  let d = 0;
  sorted.forEach((value, i) => {
    const cdf = value / upper;
    d = Math.max(d, (i + 1) / sorted.length - cdf, cdf - i / sorted.length);
  });
  return d;
}

describe("backoff with jitter", () => {
  const exponential = (jitter: "full" | "equal" | "decorrelated"): Backoff => ({
    type: "exponential",
    base: 100_000,
    multiplier: 2,
    cap: 1_000_000,
    jitter,
  });

  it("draws full-jitter delays uniform on [0, min(cap, base x 2^(n-1))] (KS test at the 1% level)", () => {
    const rng = streamFor(7, "test:full-jitter");
    const n = 5000;
    // Retry 5: min(1s, 100ms x 16) = 1s, the cap.
    const samples = Array.from({ length: n }, () => backoffDelay(exponential("full"), 5, 0, rng));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(1_000_000);
    // The 1% critical value of the one-sample KS statistic is 1.628 / sqrt(n) for large n.
    expect(ksUniform(samples, 1_000_000)).toBeLessThan(1.628 / Math.sqrt(n));
    // And it is not the capped value itself: the mean is near half of it (sd of the mean 1s/sqrt(12n) = 4.1 ms).
    const mean = samples.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(mean - 500_000)).toBeLessThan(4 * 4_083);
  });

  it("keeps equal-jitter delays in [d/2, d]", () => {
    const rng = streamFor(7, "test:equal-jitter");
    const samples = Array.from({ length: 2000 }, () => backoffDelay(exponential("equal"), 3, 0, rng));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(200_000);
    expect(Math.max(...samples)).toBeLessThanOrEqual(400_000);
    expect(
      ksUniform(
        samples.map((s) => s - 200_000),
        200_000,
      ),
    ).toBeLessThan(1.628 / Math.sqrt(2000));
  });

  it("keeps decorrelated delays between base and min(cap, 3 x the previous sleep)", () => {
    const rng = streamFor(7, "test:decorrelated");
    let previous = 100_000;
    for (let retry = 1; retry <= 200; retry++) {
      const sleep = backoffDelay(exponential("decorrelated"), retry, previous, rng);
      expect(sleep).toBeGreaterThanOrEqual(100_000);
      expect(sleep).toBeLessThanOrEqual(Math.min(1_000_000, 3 * previous));
      previous = sleep;
    }
  });
});
