import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The package's schema/scenario.schema.json, found by walking up from this module, which sits in src/cli/ when
 * run from the sources and in dist/ when built; undefined if the package has none. The file is what
 * src/scenario/json-schema.ts generates (`npm run schema` writes it, test/scenarios.test.ts keeps it so).
 */
export function packageSchemaFile(): string | undefined {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const schema = join(folder, "schema", "scenario.schema.json");
    if (existsSync(schema)) return schema;
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}
