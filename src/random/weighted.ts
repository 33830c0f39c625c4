import type { Rng } from "./streams.js";

/**
 * Returns a picker that draws one of `entries`' values with probability
 * proportional to its weight. A single entry draws nothing, so a fixed choice
 * leaves its stream untouched; otherwise each pick takes one number. Entries
 * are used in the order given: the caller makes that order the same on every run.
 */
export function weightedPicker<T>(entries: readonly (readonly [T, number])[], rng: Rng): () => T {
  if (entries.length === 0) throw new Error("invariant: a weighted choice with no entries passed validation");
  if (entries.length === 1) {
    const only = entries[0]![0];
    return () => only;
  }
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  const values = entries.map(([value]) => value);
  const cumulative: number[] = [];
  let running = 0;
  for (const [, weight] of entries) {
    running += weight / total;
    cumulative.push(running);
  }
  cumulative[cumulative.length - 1] = 1;
  return () => {
    const u = rng();
    let index = 0;
    while (cumulative[index]! <= u) index++;
    return values[index]!;
  };
}
