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

/** Parses `path=2..12`, `path=2..12:2` or `path=a,b,c` (each value read as YAML: 3 is a number, 2000/s a string). */
export function parseParameter(text: string): Parameter | string {
  const split = text.indexOf("=");
  if (split <= 0) return `expected path=values, e.g. consumers.billing.instances=2..12; got ${text}`;
  const path = text.slice(0, split).trim();
  const spec = text.slice(split + 1).trim();
  const range = /^(-?\d+)\s*\.\.\s*(-?\d+)(?::(\d+))?$/.exec(spec);
  if (range) {
    const [from, to, step] = [Number(range[1]), Number(range[2]), Number(range[3] ?? 1)];
    if (to < from || step <= 0) return `the range ${spec} is empty`;
    const values: number[] = [];
    for (let v = from; v <= to; v += step) values.push(v);
    return { path, values };
  }
  const values = spec.split(",").map((part) => parseYaml(part.trim()) as unknown);
  if (values.length === 0 || spec === "") return `no values given for ${path}`;
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
