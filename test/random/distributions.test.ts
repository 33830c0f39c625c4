// Proves each distribution's sampler matches its theoretical mean and percentiles, and meanOf/normalCdf match closed forms.
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { type Distribution, isAlwaysZero, meanOf, normalCdf, samplerFor, Z99 } from "../../src/random/distributions.js";

/*
 * Tolerances. With N = 200 000 draws:
 * - the sample mean has standard error sd/sqrt(N); we allow 5 standard errors
 *   (a false failure has probability below 1e-6, and the seed is fixed anyway);
 * - for a percentile we check the empirical CDF at the theoretical quantile x_p: the fraction of
 *   draws <= x_p is a binomial proportion with standard error sqrt(p(1-p)/N), and we allow 5 of them
 *   (at p = 0.99 that is 0.0011, so a p99 that is really a p98.5 or a p99.5 fails).
 */
const N = 200_000;
const SE = 5;

/** Standard normal quantiles z_p with P(Z <= z_p) = p. */
const Z: Record<number, number> = {
  0.01: -Z99,
  0.1: -1.2815515655446004,
  0.25: -0.6744897501960817,
  0.5: 0,
  0.75: 0.6744897501960817,
  0.9: 1.2815515655446004,
  0.99: Z99,
};
const PS = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99];

function draw(distribution: Distribution, seed: string): number[] {
  const sample = samplerFor(distribution, seedrandom.alea(seed));
  return Array.from({ length: N }, sample);
}

function minOf(xs: number[]): number {
  return xs.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
}

function maxOf(xs: number[]): number {
  return xs.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function expectMean(xs: number[], expected: number, sd: number): void {
  const tolerance = (SE * sd) / Math.sqrt(xs.length);
  expect(Math.abs(mean(xs) - expected), `mean ${mean(xs)} vs ${expected} (tolerance ${tolerance})`).toBeLessThan(
    tolerance,
  );
}

/** For each p, the fraction of draws <= quantile(p) must be p within 5 binomial standard errors. */
function expectQuantiles(xs: number[], quantile: (p: number) => number): void {
  const misses = PS.flatMap((p) => {
    const x = quantile(p);
    const fraction = xs.filter((v) => v <= x).length / xs.length;
    const tolerance = SE * Math.sqrt((p * (1 - p)) / xs.length);
    return Math.abs(fraction - p) > tolerance ? [{ p, x, fraction, tolerance }] : [];
  });
  expect(misses).toEqual([]);
}

describe("samplerFor", () => {
  it("constant always returns its value", () => {
    const xs = draw({ dist: "constant", value: 2500 }, "constant").slice(0, 1000);
    expect(new Set(xs)).toEqual(new Set([2500]));
  });

  it("uniform(10, 30): range, mean 20 and linear quantiles", () => {
    const xs = draw({ dist: "uniform", min: 10, max: 30 }, "uniform");
    expect(minOf(xs)).toBeGreaterThanOrEqual(10);
    expect(maxOf(xs)).toBeLessThan(30);
    expectMean(xs, 20, 20 / Math.sqrt(12)); // sd = (max - min)/sqrt(12)
    expectQuantiles(xs, (p) => 10 + 20 * p);
  });

  it("exponential(mean 1000): mean, standard deviation and quantiles -mean*ln(1-p)", () => {
    const xs = draw({ dist: "exponential", mean: 1000 }, "exponential");
    expect(minOf(xs)).toBeGreaterThanOrEqual(0);
    expectMean(xs, 1000, 1000); // sd = mean
    expectQuantiles(xs, (p) => -1000 * Math.log(1 - p));
    // Coefficient of variation 1: the sample variance has relative standard error sqrt(8/N) = 0.0063 for
    // an exponential (fourth central moment 9 sd^4), so the CV's is about half that; 0.02 is > 5 standard errors.
    const m = mean(xs);
    const sd = Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
    expect(Math.abs(sd / m - 1)).toBeLessThan(0.02);
  });

  it("normal(100, 15) far from zero: mean and quantiles mean + sd*z_p", () => {
    const xs = draw({ dist: "normal", mean: 100, stddev: 15 }, "normal");
    expectMean(xs, 100, 15);
    expectQuantiles(xs, (p) => 100 + 15 * Z[p]!);
  });

  it("normal draws are uncorrelated, including the two halves of each Box-Muller pair", () => {
    // Mean 100, sd 15 keeps the clamp at 0 out of reach (6.7 sd), so z = (x - 100)/15 is standard normal.
    const xs = draw({ dist: "normal", mean: 100, stddev: 15 }, "normal-pairs").map((x) => (x - 100) / 15);
    // Sample correlation of independent pairs has standard error 1/sqrt(pairs); allow 5.
    const correlation = (pairs: [number, number][]) =>
      pairs.reduce((s, [a, b]) => s + a * b, 0) /
      Math.sqrt(pairs.reduce((s, [a]) => s + a * a, 0) * pairs.reduce((s, [, b]) => s + b * b, 0));
    const within = Array.from({ length: N / 2 }, (_, i): [number, number] => [xs[2 * i]!, xs[2 * i + 1]!]);
    const across = Array.from({ length: N / 2 - 1 }, (_, i): [number, number] => [xs[2 * i + 1]!, xs[2 * i + 2]!]);
    const squares = within.map(([a, b]): [number, number] => [a * a - 1, b * b - 1]);
    const tolerance = SE / Math.sqrt(N / 2);
    expect(Math.abs(correlation(within))).toBeLessThan(tolerance);
    expect(Math.abs(correlation(across))).toBeLessThan(tolerance);
    // Squares catch pairs sharing a radius with a wrong angle (e.g. a spare equal to the first draw).
    expect(Math.abs(correlation(squares))).toBeLessThan(tolerance);
  });

  it("normal(1, 2) is clamped at 0: no negatives, P(0) = Phi(-1/2), mean of max(0, X)", () => {
    const distribution: Distribution = { dist: "normal", mean: 1, stddev: 2 };
    const xs = draw(distribution, "normal-clamped");
    expect(minOf(xs)).toBe(0);
    const pZero = 0.3085375387259869; // Phi(-0.5)
    const zeros = xs.filter((x) => x === 0).length / N;
    expect(Math.abs(zeros - pZero)).toBeLessThan(SE * Math.sqrt((pZero * (1 - pZero)) / N));
    // E[max(0, X)] = mu*Phi(mu/sd) + sd*phi(mu/sd) = 0.69146 + 2 * 0.35207 = 1.39559.
    // max(0, x) is 1-Lipschitz, so by the Gaussian Poincare inequality its sd is at most 2: a safe SE bound.
    expectMean(xs, 1.395593115, 2);
    // Above the clamp the quantiles are the normal's own.
    const misses = [0.5, 0.75, 0.9, 0.99].filter((p) => {
      const fraction = xs.filter((v) => v <= 1 + 2 * Z[p]!).length / N;
      return Math.abs(fraction - p) > SE * Math.sqrt((p * (1 - p)) / N);
    });
    expect(misses).toEqual([]);
  });

  it("lognormal(mu = ln 1000, sigma 0.5): mean exp(mu + sigma^2/2) and quantiles exp(mu + sigma*z_p)", () => {
    const mu = Math.log(1000);
    const sigma = 0.5;
    const xs = draw({ dist: "lognormal", mu, sigma }, "lognormal");
    const expectedMean = Math.exp(mu + sigma ** 2 / 2); // 1133.1
    const sd = expectedMean * Math.sqrt(Math.exp(sigma ** 2) - 1); // 603.9
    expectMean(xs, expectedMean, sd);
    expectQuantiles(xs, (p) => Math.exp(mu + sigma * Z[p]!));
  });

  it("pareto(scale 100, shape 5): support from scale, mean shape*scale/(shape-1), quantiles scale/(1-p)^(1/shape)", () => {
    const xs = draw({ dist: "pareto", scale: 100, shape: 5 }, "pareto");
    expect(minOf(xs)).toBeGreaterThanOrEqual(100);
    // Shape 5 has a finite fourth moment, so the sample mean is well behaved; variance
    // scale^2*shape/((shape-1)^2 (shape-2)) = 1041.7, sd 32.3.
    expectMean(xs, 125, Math.sqrt((100 ** 2 * 5) / (4 ** 2 * 3)));
    expectQuantiles(xs, (p) => 100 / (1 - p) ** (1 / 5));
  });

  it("pareto with a heavy tail (shape 1.5) still has the theoretical quantiles", () => {
    const xs = draw({ dist: "pareto", scale: 100, shape: 1.5 }, "pareto-heavy");
    expectQuantiles(xs, (p) => 100 / (1 - p) ** (1 / 1.5));
  });

  it("empirical draws only listed values, each as often as it is listed", () => {
    const xs = draw({ dist: "empirical", values: [1, 2, 7, 2] }, "empirical");
    const freq = (v: number) => xs.filter((x) => x === v).length / N;
    expect(freq(1) + freq(2) + freq(7)).toBe(1);
    for (const [value, p] of [
      [1, 0.25],
      [2, 0.5],
      [7, 0.25],
    ] as const) {
      expect(Math.abs(freq(value) - p)).toBeLessThan(SE * Math.sqrt((p * (1 - p)) / N));
    }
    expectMean(xs, 3, Math.sqrt(5.5)); // E[X] = 3, E[X^2] = 14.5
  });

  it("gives identical draws for identical streams", () => {
    const distribution: Distribution = { dist: "lognormal", mu: 2, sigma: 1 };
    const a = samplerFor(distribution, seedrandom.alea("same"));
    const b = samplerFor(distribution, seedrandom.alea("same"));
    const xs = Array.from({ length: 101 }, () => [a(), b()]);
    expect(xs.every(([x, y]) => x === y)).toBe(true);
  });
});

describe("meanOf", () => {
  it("matches the closed forms", () => {
    expect(meanOf({ dist: "constant", value: 7 })).toBe(7);
    expect(meanOf({ dist: "uniform", min: 10, max: 30 })).toBe(20);
    expect(meanOf({ dist: "exponential", mean: 250 })).toBe(250);
    expect(meanOf({ dist: "lognormal", mu: Math.log(1000), sigma: 0.5 })).toBeCloseTo(1000 * Math.exp(0.125), 9);
    expect(meanOf({ dist: "pareto", scale: 100, shape: 5 })).toBe(125);
    expect(meanOf({ dist: "pareto", scale: 100, shape: 2 })).toBe(200);
    expect(meanOf({ dist: "empirical", values: [1, 2, 7, 2] })).toBe(3);
  });

  it("is Infinity for a pareto with shape <= 1", () => {
    expect(meanOf({ dist: "pareto", scale: 100, shape: 1 })).toBe(Number.POSITIVE_INFINITY);
    expect(meanOf({ dist: "pareto", scale: 100, shape: 0.5 })).toBe(Number.POSITIVE_INFINITY);
  });

  it("gives the mean of the clamped normal max(0, X)", () => {
    // mu*Phi(mu/sd) + sd*phi(mu/sd), with Phi and phi to 1e-15 from reference tables.
    expect(meanOf({ dist: "normal", mean: 1, stddev: 2 })).toBeCloseTo(1.3955931148, 6);
    // Symmetric about 0: half the mass clamps to 0, mean sd/sqrt(2 pi).
    expect(meanOf({ dist: "normal", mean: 0, stddev: 3 })).toBeCloseTo(3 / Math.sqrt(2 * Math.PI), 9);
    // Far from zero the clamp is irrelevant.
    expect(meanOf({ dist: "normal", mean: 100, stddev: 15 })).toBeCloseTo(100, 6);
    // Mostly negative: mean -2, sd 1 -> -2*Phi(-2) + phi(-2) = -2*0.0227501319 + 0.0539909665 = 0.0084907027.
    expect(meanOf({ dist: "normal", mean: -2, stddev: 1 })).toBeCloseTo(0.0084907027, 6);
    // No spread: the clamped value itself.
    expect(meanOf({ dist: "normal", mean: 5, stddev: 0 })).toBe(5);
    expect(meanOf({ dist: "normal", mean: -5, stddev: 0 })).toBe(0);
  });
});

describe("normalCdf", () => {
  it("matches reference values to the approximation's 1.5e-7 accuracy", () => {
    const reference: [number, number][] = [
      [0, 0.5],
      [1, 0.8413447460685429],
      [-1, 0.15865525393145707],
      [1.96, 0.9750021048517795],
      [-1.96, 0.024997895148220435],
      [2.5, 0.9937903346742238],
      [-3, 0.0013498980316300946],
      [Z99, 0.99],
      [-Z99, 0.01],
      [6, 0.9999999990134123],
    ];
    const misses = reference.filter(([z, p]) => Math.abs(normalCdf(z) - p) > 1.5e-7);
    expect(misses).toEqual([]);
  });

  it("is symmetric: Phi(z) + Phi(-z) = 1", () => {
    for (const z of [0.1, 0.7, 1.3, 2.9, 4.4]) expect(normalCdf(z) + normalCdf(-z)).toBeCloseTo(1, 14);
  });
});

describe("isAlwaysZero", () => {
  it("is true only for the constant 0", () => {
    expect(isAlwaysZero({ dist: "constant", value: 0 })).toBe(true);
    expect(isAlwaysZero({ dist: "constant", value: 1 })).toBe(false);
    expect(isAlwaysZero({ dist: "exponential", mean: 0 })).toBe(false);
  });
});
