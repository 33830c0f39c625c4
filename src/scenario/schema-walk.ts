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

function chooseOption(union: Definition, data: unknown): Definition {
  const options: Definition[] = union.options.map((option: z.ZodType) => unwrap(option._zod.def, data));
  const discriminator: string | undefined = union.discriminator;
  if (discriminator && typeof data === "object" && data !== null) {
    const wanted = (data as Record<string, unknown>)[discriminator];
    const match = options.find((option) => option?.shape?.[discriminator]?._zod.def.values?.includes(wanted));
    if (match) return match;
  }
  return options.find((option) => option?.type === "object");
}
