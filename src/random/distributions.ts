import type { Rng } from "./streams.js";

/**
 * A probability distribution over non-negative values in a base unit
 * (microseconds for durations, bytes for sizes). Every user-facing form
 * (lognormal by median and p99, a bare "5ms") is normalized into one of these.
 */
export type Distribution =
  | { dist: "constant"; value: number }
  | { dist: "uniform"; min: number; max: number }
  | { dist: "exponential"; mean: number }
  /** Clamped at zero: a negative duration or size has no meaning. */
  | { dist: "normal"; mean: number; stddev: number }
  /** ln(value) ~ Normal(mu, sigma), value in the base unit. */
  | { dist: "lognormal"; mu: number; sigma: number }
  /** P(X > x) = (scale / x)^shape for x >= scale. */
  | { dist: "pareto"; scale: number; shape: number }
  /** Each listed value equally likely; repeat a value to weight it. */
  | { dist: "empirical"; values: readonly number[] };

export type Sampler = () => number;

/** z such that P(Z <= z) = 0.99 for a standard normal Z. */
export const Z99 = 2.3263478740408408;

/** Builds a sampler bound to one stream (a stream's state is never shared). */
export function samplerFor(distribution: Distribution, rng: Rng): Sampler {
  switch (distribution.dist) {
    case "constant": {
      const value = distribution.value;
      return () => value;
    }
    case "uniform": {
      const { min, max } = distribution;
      return () => min + (max - min) * rng();
    }
    case "exponential": {
      const mean = distribution.mean;
      return () => -mean * Math.log(1 - rng());
    }
    case "normal": {
      const standard = standardNormal(rng);
      const { mean, stddev } = distribution;
      return () => Math.max(0, mean + stddev * standard());
    }
    case "lognormal": {
      const standard = standardNormal(rng);
      const { mu, sigma } = distribution;
      return () => Math.exp(mu + sigma * standard());
    }
    case "pareto": {
      const { scale, shape } = distribution;
      return () => scale / (1 - rng()) ** (1 / shape);
    }
    case "empirical": {
      const values = distribution.values;
      return () => values[Math.floor(rng() * values.length)]!;
    }
  }
}

/** The distribution's mean (Infinity for a heavy-tailed pareto with shape <= 1). */
export function meanOf(distribution: Distribution): number {
  switch (distribution.dist) {
    case "constant":
      return distribution.value;
    case "uniform":
      return (distribution.min + distribution.max) / 2;
    case "exponential":
      return distribution.mean;
    case "normal":
      return truncatedNormalMean(distribution.mean, distribution.stddev);
    case "lognormal":
      return Math.exp(distribution.mu + distribution.sigma ** 2 / 2);
    case "pareto":
      return distribution.shape <= 1
        ? Number.POSITIVE_INFINITY
        : (distribution.shape * distribution.scale) / (distribution.shape - 1);
    case "empirical":
      return distribution.values.reduce((sum, v) => sum + v, 0) / distribution.values.length;
  }
}

/** True when every draw is exactly zero, so the component can be skipped entirely. */
export function isAlwaysZero(distribution: Distribution): boolean {
  return distribution.dist === "constant" && distribution.value === 0;
}

/** Box–Muller, keeping the second variate of each pair for the next call. */
function standardNormal(rng: Rng): Sampler {
  let spare = Number.NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const value = spare;
      spare = Number.NaN;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - rng()));
    const angle = 2 * Math.PI * rng();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/** Mean of max(0, X) for X ~ Normal(mean, stddev). */
function truncatedNormalMean(mean: number, stddev: number): number {
  if (stddev === 0) return Math.max(0, mean);
  const z = mean / stddev;
  return mean * normalCdf(z) + (stddev * Math.exp(-(z * z) / 2)) / Math.sqrt(2 * Math.PI);
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
