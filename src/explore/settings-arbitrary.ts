import fc from "fast-check";
import type * as z from "zod";

/**
 * Values for a profile's `settings:` drawn from its own zod schema, so a setting added to a profile is
 * fuzzed without touching this file. Enums, booleans, literals and plain numbers are drawn; numbers stay
 * near their default (half, the default, double) or, without one, near their least allowed value, which
 * keeps generated runs small. Quantities written with units (durations, sizes) and free strings keep their
 * defaults: their written forms belong to the units layer, and the scenario arbitrary covers those forms
 * where they matter (processing, latency, faults). Combinations the schema's refinements refuse are
 * filtered out by the caller, which validates every generated scenario.
 */
export function settingsArbitrary(settings: z.ZodType): fc.Arbitrary<Record<string, unknown>> {
  const object = unwrap(settings).schema;
  const shape = (object as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, field] of Object.entries(shape)) {
    const values = fieldValues(field);
    if (values !== null) fields[key] = values;
  }
  return fc.record(fields, { requiredKeys: [] });
}

interface Unwrapped {
  schema: z.ZodType;
  nullable: boolean;
  fallback: unknown;
}

/** Looks through default, prefault, optional and nullable wrappers to the schema that says what a value is. */
function unwrap(schema: z.ZodType): Unwrapped {
  let current = schema;
  let nullable = false;
  let fallback: unknown;
  for (;;) {
    const def = defOf(current);
    if (def.type === "nullable") nullable = true;
    if ((def.type === "default" || def.type === "prefault") && fallback === undefined) fallback = def.defaultValue;
    if (def.innerType === undefined) return { schema: current, nullable, fallback };
    current = def.innerType;
  }
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  entries?: Record<string, string | number>;
  values?: unknown[];
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function fieldValues(field: z.ZodType): fc.Arbitrary<unknown> | null {
  const { schema, nullable, fallback } = unwrap(field);
  const values = valuesOf(schema, fallback);
  if (values === null) return null;
  return nullable ? fc.oneof(values, fc.constant(null)) : values;
}

function valuesOf(schema: z.ZodType, fallback: unknown): fc.Arbitrary<unknown> | null {
  const def = defOf(schema);
  switch (def.type) {
    case "boolean":
      return fc.boolean();
    case "enum":
      return fc.constantFrom(...Object.values(def.entries ?? {}));
    case "literal":
      return fc.constantFrom(...(def.values ?? []));
    case "number":
      return numberValues(schema as z.ZodNumber, fallback);
    case "union": {
      const options = (def.options ?? []).map((option) => valuesOf(unwrap(option).schema, fallback));
      const usable = options.filter((option): option is fc.Arbitrary<unknown> => option !== null);
      return usable.length === 0 ? null : fc.oneof(...usable);
    }
    default:
      return null;
  }
}

function numberValues(schema: z.ZodNumber, fallback: unknown): fc.Arbitrary<number> {
  const min = Number.isFinite(schema.minValue) ? (schema.minValue as number) : 0;
  const max = Number.isFinite(schema.maxValue) ? (schema.maxValue as number) : Number.MAX_SAFE_INTEGER;
  const whole = schema.isInt;
  const clamp = (value: number) => Math.min(max, Math.max(min, whole ? Math.round(value) : value));
  if (typeof fallback === "number" && fallback > 0) {
    return fc.constantFrom(...new Set([clamp(fallback), clamp(fallback / 2), clamp(fallback * 2)]));
  }
  // positive() reports 0 as its least value, but refuses it.
  const least = whole ? Math.ceil(min) : min;
  const low = schema.safeParse(least).success ? least : least + 1;
  if (whole) return fc.integer({ min: low, max: Math.min(max, low + 8) });
  return fc.double({ min: low, max: Math.min(max, low + 1), noNaN: true });
}
