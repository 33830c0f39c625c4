import { stageTargets } from "./flows.js";
import type { ParsedScenario } from "./schema.js";

/**
 * A direct or topic exchange delivers only to queues bound for the routing
 * key, so a group without bindings would silently receive nothing: refused,
 * rather than guessed. (A fanout exchange, and every profile without
 * exchanges, ignores bindings.) Run after the schema, on the parsed scenario.
 */
export function routingProblems(scenario: ParsedScenario): { path: (string | number)[]; message: string }[] {
  const exchange = (scenario.broker.settings as { exchange?: string }).exchange;
  if (exchange !== "direct" && exchange !== "topic") return [];
  // A group a pipeline stage feeds gets its messages straight to its queue, not through the exchange.
  const fed = stageTargets(scenario);
  return scenario.consumers.flatMap((consumer, index) =>
    consumer.bindings === undefined && !fed.has(consumer.group)
      ? [
          {
            path: ["consumers", index, "bindings"],
            message: `a ${exchange} exchange routes only to bound queues: group "${consumer.group}" needs bindings (e.g. bindings: ["${exchange === "topic" ? "#" : "some.key"}"]), or use exchange: fanout`,
          },
        ]
      : [],
  );
}
