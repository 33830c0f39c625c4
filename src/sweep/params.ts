import { parse as parseYaml } from "yaml";

/**
 * A swept parameter: a path into the scenario as written and the values it
 * takes. Paths are dotted; a list of named items is addressed by name, so
 * `consumers.billing.instances` means the `instances` of the consumer group
 * named billing, and `producers.checkout.rate` the rate of producer checkout.
 */
export interface Parameter {
  path: string;
  values: unknown[];
}

/** The most values one parameter may take: a range is counted before it is expanded, never built to find out. */
export const MAX_PARAMETER_VALUES = 1_000_000;

/**
 * Parses `path=2..12`, `path=2..12:2`, `path=a,b,c` (each value read as YAML: 3 is a number, 2000/s a
 * string) or `path=[a, "b,c"]` (a YAML flow list, for values that hold a comma or a quote).
 */
export function parseParameter(text: string): Parameter | string {
  const split = text.indexOf("=");
  if (split <= 0) return `expected path=values, e.g. consumers.billing.instances=2..12; got ${text}`;
  const path = text.slice(0, split).trim();
  const spec = text.slice(split + 1).trim();
  if (spec === "") return `no values given for ${path}`;
  const range = parseRange(spec);
  if (range !== undefined) return typeof range === "string" ? range : { path, values: range };
  if (spec.startsWith("[")) return flowList(path, spec);
  return { path, values: spec.split(",").map((part) => scalarOf(part.trim())) };
}

/** A parameter from a scenario's `sweep.params`: a list is taken as written, value by value; a string is parsed. */
export function parameterFromSection(path: string, written: unknown): Parameter | string {
  if (Array.isArray(written)) {
    if (written.length === 0) return `no values given for ${path}`;
    return { path, values: [...written] };
  }
  return parseParameter(`${path}=${String(written)}`);
}

/** `a..b` or `a..b:step` as its values; undefined when `spec` is not a range. */
function parseRange(spec: string): number[] | string | undefined {
  const range = /^(-?\d+)\s*\.\.\s*(-?\d+)(?::(\d+))?$/.exec(spec);
  if (!range) return undefined;
  const [from, to, step] = [Number(range[1]), Number(range[2]), Number(range[3] ?? 1)];
  if (to < from || step <= 0) return `the range ${spec} is empty`;
  const count = Math.floor((to - from) / step) + 1;
  if (count > MAX_PARAMETER_VALUES) {
    return `the range ${spec} has ${count} values; a parameter takes at most ${MAX_PARAMETER_VALUES} (narrow it, or step it: ${spec}:${Math.ceil((to - from) / 1000)})`;
  }
  return Array.from({ length: count }, (_, i) => from + i * step);
}

/** One value as YAML reads it (3 is a number, 2000/s a string); text YAML cannot read is kept as written. */
function scalarOf(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    return text;
  }
}

function flowList(path: string, spec: string): Parameter | string {
  let values: unknown;
  try {
    values = parseYaml(spec);
  } catch (error) {
    return `${path}: the list ${spec} is not valid YAML: ${(error as Error).message.split("\n")[0]}`;
  }
  if (!Array.isArray(values) || values.length === 0)
    return `${path}: expected a non-empty list like [a, "b,c"]; got ${spec}`;
  return { path, values };
}

/** A copy of `data` with `value` at `path`; returns an error message when the path names nothing. */
export function withParameter(
  data: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> | string {
  const copy = structuredClone(data);
  const segments = path.split(".");
  let node: unknown = copy;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    const next = childOf(node, segment);
    if (next === undefined) {
      // A missing mapping on the way (e.g. broker.settings) is created, as a user would write it.
      if (typeof node !== "object" || node === null || Array.isArray(node))
        return `${path}: nothing at "${segments.slice(0, i + 1).join(".")}"`;
      (node as Record<string, unknown>)[segment] = {};
    }
    node = childOf(node, segment);
  }
  if (typeof node !== "object" || node === null || Array.isArray(node)) return `${path}: cannot set a value there`;
  (node as Record<string, unknown>)[segments[segments.length - 1]!] = value;
  return copy;
}

/** A mapping's field, or the item of a list whose name or group is `segment`. */
function childOf(node: unknown, segment: string): unknown {
  if (Array.isArray(node)) {
    return node.find((item) => {
      const named = item as { name?: unknown; group?: unknown } | null;
      return named?.name === segment || named?.group === segment;
    });
  }
  if (typeof node === "object" && node !== null) return (node as Record<string, unknown>)[segment];
  return undefined;
}
