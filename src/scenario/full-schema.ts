import { scenarioSchemaWith } from "./schema.js";

/**
 * The scenario schema with every broker profile's shape: the library's `scenarioSchema` and the source of the
 * JSON Schema. Importing this module builds every profile's schema; validation builds only those a scenario
 * names (`scenarioSchemaFor` in schema.ts), and finds the same problems.
 */
const everyProfile = scenarioSchemaWith(() => true);

export const scenarioSchema = everyProfile.scenario;

/** The broker of `brokers:`, which the JSON Schema writes as a reference to `broker`'s definition. */
export const furtherBrokerSchema = everyProfile.furtherBroker;
