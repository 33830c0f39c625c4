import type { Rng } from "./streams.js";

/** How a producer picks message keys: none (null keys), or one of `count` keys. */
export type KeyChoice =
  | { dist: "none" }
  | { dist: "uniform"; count: number }
  /** P(key k) ∝ 1 / (k+1)^s: a few hot keys and a long tail, like real traffic. */
  | { dist: "zipf"; count: number; s: number };

/** Returns a key picker giving key indexes 0..count-1, or -1 for a null key. */
export function keyPickerFor(choice: KeyChoice, rng: Rng): () => number {
  switch (choice.dist) {
    case "none":
      return () => -1;
    case "uniform": {
      const count = choice.count;
      return () => Math.floor(rng() * count);
    }
    case "zipf": {
      const cdf = zipfCdf(choice.count, choice.s);
      return () => firstAtLeast(cdf, rng());
    }
  }
}

function zipfCdf(count: number, s: number): Float64Array {
  const cdf = new Float64Array(count);
  let total = 0;
  for (let k = 0; k < count; k++) {
    total += 1 / (k + 1) ** s;
    cdf[k] = total;
  }
  for (let k = 0; k < count; k++) cdf[k]! /= total;
  cdf[count - 1] = 1;
  return cdf;
}

/** Index of the first entry >= u in an ascending array (binary search). */
function firstAtLeast(sorted: Float64Array, u: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < u) low = mid + 1;
    else high = mid;
  }
  return low;
}
