import type { Rng } from "./streams.js";
import { weightedPicker } from "./weighted.js";

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
  return weightedPicker(entries, rng);
}
