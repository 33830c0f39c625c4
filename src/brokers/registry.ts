import type { ParsedScenario } from "../scenario/schema.js";
import type { Broker, BrokerContext } from "./broker.js";
import { createFifoBroker } from "./fifo/fifo.js";

export type BrokerSpec = ParsedScenario["broker"];

/** Builds the broker a scenario names. Each profile validates its own settings in the scenario schema. */
export function createBroker(spec: BrokerSpec, context: BrokerContext): Broker {
  switch (spec.profile) {
    case "fifo":
      return createFifoBroker(context, spec.settings);
  }
}
