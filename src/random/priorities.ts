import type { Rng } from "./streams.js";

/** A producer's priority setting: one value, or priority → weight (keys are the priorities as text). */
export type PriorityChoice = number | { weights: Record<string, number> };

/**
 * Returns a picker of message priorities. A fixed priority, or a mix with a
 * single entry, draws nothing; a mix draws one number per message.
 */
export function priorityPickerFor(choice: PriorityChoice, rng: Rng): () => number {
  if (typeof choice === "number") return () => choice;
  // Integer-like keys iterate in ascending numeric order, so the table is the same on every run.
  const entries = Object.entries(choice.weights).map(([level, weight]) => [Number(level), weight] as const);
  if (entries.length === 1) {
    const only = entries[0]![0];
    return () => only;
  }
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  const levels = entries.map(([level]) => level);
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
    return levels[index]!;
  };
}
