/**
 * A value built on first use and kept: for zod schemas that only some scenarios need (a broker profile's
 * settings). Making a zod schema costs some microseconds per field, and building every profile's settings
 * at start-up was about a tenth of a `queuesim validate`; a scenario names one profile, so only its schema
 * is built (src/scenario/schema.ts, `scenarioSchemaFor`). Built once, a schema keeps its identity, which
 * the JSON Schema (one definition per schema object) and shared fields rely on.
 */
export function builtOnce<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
