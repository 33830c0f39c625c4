import * as z from "zod";
import { scenarioSchema } from "./schema.js";

/** The scenario JSON Schema as text, generated from the same zod schema that validates files. */
export function jsonSchemaText(): string {
  const schema = z.toJSONSchema(scenarioSchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ ...schema, title: "queuesim scenario" }, null, 2)}\n`;
}
