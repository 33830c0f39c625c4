/** Regenerates schema/scenario.schema.json: `npm run schema`. A test keeps the file in sync. */
import { writeFileSync } from "node:fs";
import { jsonSchemaText } from "./json-schema.js";

writeFileSync(new URL("../../schema/scenario.schema.json", import.meta.url), jsonSchemaText());
