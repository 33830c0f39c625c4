import type { Rng } from "./streams.js";
import { weightedPicker } from "./weighted.js";

/** A producer's routing key setting: one key, or key → weight; undefined when it sets none. */
export type RoutingKeyChoice = string | { weights: Record<string, number> } | undefined;

/**
 * The routing keys a producer publishes with, in a fixed order: a message
 * stores its key as an index into this list. A producer without a routing
 * key publishes with the empty key, as an AMQP client does.
 */
export function routingKeysOf(choice: RoutingKeyChoice): string[] {
  if (choice === undefined) return [""];
  if (typeof choice === "string") return [choice];
  // Object key order: integer-like keys ascending, then the others in the order the file gives them.
  return Object.keys(choice.weights);
}

/** Returns a picker of routing key indexes into routingKeysOf(choice); a single key draws nothing. */
export function routingKeyPickerFor(choice: RoutingKeyChoice, rng: Rng): () => number {
  if (choice === undefined || typeof choice === "string") return () => 0;
  const entries = Object.values(choice.weights).map((weight, index) => [index, weight] as const);
  return weightedPicker(entries, rng);
}
