// Proves the limits on scenario numbers sit exactly where docs/scenarios.md says, and that the most
// extreme distribution still accepted draws only finite values, even at the most extreme random draw.
import { describe, expect, it } from "vitest";
import { samplerFor } from "../../src/random/distributions.js";
import { durationDistribution, sizeDistribution } from "../../src/units/quantities.js";
import {
  durationTooLong,
  MAX_DURATION_US,
  parseDuration,
  parseRate,
  parseSize,
  rateOutOfRange,
  sizeTooLarge,
} from "../../src/units/units.js";

describe("limits on quantities", () => {
  it("a duration is at most 87600h, ten 365-day years of microseconds, an exact integer", () => {
    expect(parseDuration("87600h")).toEqual({ ok: true, value: 315_360_000_000_000 });
    expect(Number.isSafeInteger(MAX_DURATION_US)).toBe(true);
    for (const input of ["87601h", "1e20h", "1e400s", "3.2e14ms"]) {
      expect(parseDuration(input)).toEqual({ ok: false, expected: durationTooLong });
    }
  });

  it("a rate is 0, or between one per ten years and one per microsecond", () => {
    expect(parseRate("0/s")).toEqual({ ok: true, value: 0 });
    expect(parseRate("1000000/s")).toEqual({ ok: true, value: 1_000_000 });
    expect(parseRate("1/h")).toEqual({ ok: true, value: 1 / 3600 });
    for (const input of ["1000001/s", "1e400/s", "1e-9/s", "1e-300/s"]) {
      expect(parseRate(input)).toEqual({ ok: false, expected: rateOutOfRange });
    }
  });

  it("a size is at most 1 PB, written with a unit or as bare bytes", () => {
    expect(parseSize("1000000GB")).toEqual({ ok: true, value: 1e15 });
    expect(parseSize(1e15)).toEqual({ ok: true, value: 1e15 });
    for (const input of ["1000001GB", "1e400B", 1e15 + 1]) {
      expect(parseSize(input)).toEqual({ ok: false, expected: sizeTooLarge });
    }
  });
});

describe("limits on distributions", () => {
  const duration = durationDistribution();
  const message = (input: unknown) => duration.safeParse(input).error?.issues[0]?.message;

  it("a lognormal whose mean exceeds 10 years is refused, one just inside is accepted", () => {
    // mean = median x e^(sigma^2 / 2): median 1us and p99 10 years give sigma 14.4 and a mean of 5.25e44 us.
    expect(message({ dist: "lognormal", median: "1us", p99: "87600h" })).toBe(
      "this distribution's mean is 5.25e+44us, above the limit of 87600h (10 years); make its tail lighter",
    );
    expect(duration.safeParse({ dist: "lognormal", median: "1ms", p99: "10s" }).success).toBe(true);
  });

  it("a pareto needs a shape above 1 and a mean within the limit", () => {
    expect(message({ dist: "pareto", scale: "1ms", shape: 1 })).toContain("expected number to be >1");
    expect(duration.safeParse({ dist: "pareto", scale: "1ms", shape: 1.01 }).success).toBe(true);
    expect(message({ dist: "pareto", scale: "87600h", shape: 1.5 })).toContain("above the limit of 87600h");
  });

  it("sizes share the rule with their own limit", () => {
    expect(sizeDistribution().safeParse({ dist: "exponential", mean: "1000001GB" }).success).toBe(false);
  });

  it("the most extreme accepted lognormal and pareto draw finite values at the most extreme random number", () => {
    // mu + sigma^2/2 = ln(10 years): the mean is exactly at the limit (mu is given in milliseconds).
    const sigma = 8;
    const mu = Math.log(MAX_DURATION_US) - sigma ** 2 / 2 - Math.log(1000);
    const lognormal = duration.parse({ dist: "lognormal", mu: mu - 1e-9, sigma });
    const pareto = duration.parse({ dist: "pareto", scale: "1000h", shape: 1.02 });
    // 1 - rng() = 2^-53 is the smallest uniform: the largest Box-Muller radius (~8.57) and the largest pareto draw.
    const extreme = () => 1 - 2 ** -53;
    for (const distribution of [lognormal, pareto]) {
      const draw = samplerFor(distribution, extreme)();
      expect(Number.isFinite(draw)).toBe(true);
      expect(draw).toBeGreaterThan(MAX_DURATION_US);
    }
  });
});
