// Proves key pickers give -1 for no keys, uniform key frequencies, and zipf frequencies proportional to 1/(k+1)^s.
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { keyPickerFor } from "../../src/random/keys.js";

const N = 200_000;

const failingRng = () => {
  throw new Error("this picker must not draw random numbers");
};

/** Counts how often each key index in 0..count-1 is picked over N draws. */
function frequencies(pick: () => number, count: number): number[] {
  const counts = new Array<number>(count).fill(0);
  for (let i = 0; i < N; i++) {
    const k = pick();
    if (!Number.isInteger(k) || k < 0 || k >= count) throw new Error(`key ${k} out of range 0..${count - 1}`);
    counts[k]!++;
  }
  return counts.map((c) => c / N);
}

/**
 * Each observed frequency is a binomial proportion with standard error sqrt(p(1-p)/N);
 * 5 standard errors keeps a false failure below 1e-6 per key while still catching an off-by-one key or a wrong exponent.
 */
function expectFrequencies(observed: number[], expected: number[]): void {
  expect(observed).toHaveLength(expected.length);
  const misses = expected.flatMap((p, k) => {
    const tolerance = 5 * Math.sqrt((p * (1 - p)) / N);
    return Math.abs(observed[k]! - p) > tolerance ? [{ k, expected: p, observed: observed[k] }] : [];
  });
  expect(misses).toEqual([]);
}

function zipfProbabilities(count: number, s: number): number[] {
  const weights = Array.from({ length: count }, (_, k) => 1 / (k + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

describe("keyPickerFor", () => {
  it("none always gives -1 and draws nothing", () => {
    const pick = keyPickerFor({ dist: "none" }, failingRng);
    expect([pick(), pick(), pick()]).toEqual([-1, -1, -1]);
  });

  it("uniform picks each of count keys equally often", () => {
    const pick = keyPickerFor({ dist: "uniform", count: 10 }, seedrandom.alea("keys-uniform"));
    expectFrequencies(frequencies(pick, 10), new Array(10).fill(0.1));
  });

  it("uniform maps the unit interval onto keys 0..count-1 at the edges", () => {
    let u = 0;
    const pick = keyPickerFor({ dist: "uniform", count: 4 }, () => u);
    const picks = [0, 0.2499, 0.25, 0.5, 0.9999999].map((value) => {
      u = value;
      return pick();
    });
    expect(picks).toEqual([0, 0, 1, 2, 3]);
  });

  it("zipf picks key k with probability proportional to 1/(k+1)^s", () => {
    const pick = keyPickerFor({ dist: "zipf", count: 20, s: 1.2 }, seedrandom.alea("keys-zipf"));
    const observed = frequencies(pick, 20);
    expectFrequencies(observed, zipfProbabilities(20, 1.2));
    // The hottest key is key 0, by a wide margin over key 1 (ratio 2^1.2 = 2.30).
    expect(observed[0]! / observed[1]!).toBeGreaterThan(2.1);
  });

  it("zipf with a steep exponent over many keys keeps the theoretical shape, tail included", () => {
    const pick = keyPickerFor({ dist: "zipf", count: 1000, s: 2 }, seedrandom.alea("keys-zipf-steep"));
    const observed = frequencies(pick, 1000);
    const expected = zipfProbabilities(1000, 2);
    // Check the head key by key, and the tail (keys 10..999) as one bucket.
    expectFrequencies(observed.slice(0, 10), expected.slice(0, 10));
    const tail = (xs: number[]) => xs.slice(10).reduce((a, b) => a + b, 0);
    expectFrequencies([tail(observed)], [tail(expected)]);
  });

  it("zipf with s = 0 is uniform", () => {
    const pick = keyPickerFor({ dist: "zipf", count: 5, s: 0 }, seedrandom.alea("keys-zipf-flat"));
    expectFrequencies(frequencies(pick, 5), new Array(5).fill(0.2));
  });

  it("zipf splits the unit interval at the cumulative probabilities", () => {
    // count 3, s 1: weights 1, 1/2, 1/3 -> probabilities 6/11, 3/11, 2/11; CDF 0.5454.., 0.8181.., 1.
    let u = 0;
    const pick = keyPickerFor({ dist: "zipf", count: 3, s: 1 }, () => u);
    const picks = [0, 0.545, 0.546, 0.818, 0.819, 0.9999999].map((value) => {
      u = value;
      return pick();
    });
    expect(picks).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it("a single key is always key 0", () => {
    const rng = seedrandom.alea("keys-single");
    const uniform = keyPickerFor({ dist: "uniform", count: 1 }, rng);
    const zipf = keyPickerFor({ dist: "zipf", count: 1, s: 1.5 }, rng);
    const picks = Array.from({ length: 100 }, () => uniform() + zipf());
    expect(picks.every((k) => k === 0)).toBe(true);
  });
});
