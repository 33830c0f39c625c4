import type * as z from "zod";

/**
 * Finds the field names a schema allows at a path of the user's data, so an
 * unknown field can be answered with "did you mean …". Wrappers (optional,
 * default, pipe) are looked through; a union is resolved the way the data
 * would be, by its discriminator when it has one.
 */
// biome-ignore lint/suspicious/noExplicitAny: zod's internal definitions are untyped here
type Definition = any;

export function allowedKeysAt(schema: z.ZodType, path: readonly (string | number)[], data: unknown): string[] {
  let definition: Definition = unwrap(schema._zod.def, data);
  let value: unknown = data;
  for (const segment of path) {
    value = (value as Record<string | number, unknown> | undefined)?.[segment];
    if (definition?.type === "object") definition = definition.shape[segment]?._zod.def;
    else if (definition?.type === "array") definition = definition.element._zod.def;
    // A record's keys are names (dependencies by name); every value has the same fields.
    else if (definition?.type === "record") definition = definition.valueType._zod.def;
    else return [];
    definition = unwrap(definition, value);
  }
  return definition?.type === "object" ? Object.keys(definition.shape) : [];
}

function unwrap(definition: Definition, data: unknown): Definition {
  let current = definition;
  for (let depth = 0; depth < 32 && current; depth++) {
    switch (current.type) {
      case "optional":
      case "nullable":
      case "default":
      case "prefault":
      case "readonly":
      case "catch":
        current = current.innerType._zod.def;
        break;
      case "pipe":
        current = current.in._zod.def;
        break;
      case "union":
        current = chooseOption(current, data);
        break;
      default:
        return current;
    }
  }
  return current;
}

/**
 * For a union without a discriminator at `path` (e.g. the kinds of fault), the
 * index of the option the user's object most resembles, or -1.
 */
export function unionOptionAt(schema: z.ZodType, path: readonly (string | number)[], data: unknown): number {
  let definition: Definition = schema._zod.def;
  let value: unknown = data;
  for (const segment of path) {
    definition = unwrap(definition, value);
    value = (value as Record<string | number, unknown> | undefined)?.[segment];
    if (definition?.type === "object") definition = definition.shape[segment]?._zod.def;
    else if (definition?.type === "array") definition = definition.element._zod.def;
    else return -1;
  }
  while (definition && definition.type !== "union" && (definition.innerType || definition.in)) {
    definition = (definition.innerType ?? definition.in)._zod.def;
  }
  if (definition?.type !== "union" || definition.discriminator || typeof value !== "object" || value === null)
    return -1;
  return bestOverlap(
    definition.options.map((option: z.ZodType) => unwrap(option._zod.def, value)),
    value,
  );
}

/** The object option sharing most keys with the data; a near-miss key (slowe for slow) counts half. */
function bestOverlap(options: Definition[], data: object): number {
  const keys = Object.keys(data);
  // A key only one option has (crash, slow, poison) tells more than one they share (at, for).
  const owners = new Map<string, number>();
  for (const option of options) {
    if (option?.type === "object")
      for (const key of Object.keys(option.shape)) owners.set(key, (owners.get(key) ?? 0) + 1);
  }
  let best = -1;
  let bestScore = -1;
  options.forEach((option, index) => {
    if (option?.type !== "object") return;
    const shape = Object.keys(option.shape);
    const missing = shape.filter((key) => !keys.includes(key));
    let score = 0;
    for (const key of keys) {
      if (shape.includes(key)) score += owners.get(key) === 1 ? 2 : 1;
      else if (missing.some((candidate) => isNearMiss(key, candidate))) score += 0.5;
    }
    if (score > bestScore) {
      best = index;
      bestScore = score;
    }
  });
  return best;
}

function isNearMiss(a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  const lengthGap = Math.abs(a.length - b.length);
  if (lengthGap > 2) return false;
  let common = 0;
  while (common < Math.min(a.length, b.length) && a[common] === b[common]) common++;
  return common >= Math.min(a.length, b.length) - 1;
}

function chooseOption(union: Definition, data: unknown): Definition {
  const options: Definition[] = union.options.map((option: z.ZodType) => unwrap(option._zod.def, data));
  if (!union.discriminator && typeof data === "object" && data !== null) {
    const index = bestOverlap(options, data);
    if (index >= 0) return options[index];
  }
  const discriminator: string | undefined = union.discriminator;
  if (discriminator && typeof data === "object" && data !== null) {
    const wanted = (data as Record<string, unknown>)[discriminator];
    const match = options.find((option) => option?.shape?.[discriminator]?._zod.def.values?.includes(wanted));
    if (match) return match;
  }
  return options.find((option) => option?.type === "object");
}
