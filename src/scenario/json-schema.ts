import * as z from "zod";
import { furtherBrokerSchema, scenarioSchema } from "./full-schema.js";

/** The scenario JSON Schema as text, generated from the same zod schema that validates files. */
export function jsonSchemaText(): string {
  const schema = z.toJSONSchema(scenarioSchema, {
    io: "input",
    unrepresentable: "any",
    // A broker of brokers: has broker:'s shape: refer to it rather than repeat every profile's settings.
    override: (context) => {
      if (context.zodSchema !== furtherBrokerSchema) return;
      for (const key of Object.keys(context.jsonSchema)) delete context.jsonSchema[key];
      Object.assign(context.jsonSchema, {
        $ref: "#/properties/broker",
        description: "a further broker, shaped like broker:",
      });
    },
  });
  return `${JSON.stringify({ ...schema, title: "queuesim scenario" }, null, 2)}\n`;
}
