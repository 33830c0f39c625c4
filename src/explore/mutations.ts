import fc from "fast-check";
import { scenarioArbitrary, type WrittenScenario } from "./scenario-arbitrary.js";

/**
 * Invalid scenarios by mutation, as a hostile or careless user writes them: a field removed or misspelt, a
 * value of the wrong type, out of range, not finite or absurdly large, an unknown profile or fault target,
 * and YAML text cut short or broken. Each mutation is applied to a generated scenario, at a path drawn from
 * the scenario's own fields, so every field of every profile is reached in time. Some mutations happen to
 * leave the scenario valid (a number replaced by another allowed one): the fuzz property holds either way.
 */
export type Path = (string | number)[];

/** Values that break a field in one way or another, written as YAML text where YAML has its own spelling. */
const BAD_VALUES: readonly unknown[] = [
  -1,
  0,
  1e300,
  "1e400",
  ".nan",
  ".inf",
  "-.inf",
  "abc",
  "",
  "10 parsecs",
  "1e20h",
  "-5ms",
  "999999999999/s",
  true,
  null,
  [],
  {},
  [1, 2],
  { dist: "lognormal", median: "1ms" },
  { dist: "pareto", scale: "1ms", shape: 1 },
  { dist: "lognormal", mu: 500, sigma: 40 },
];

/** Every path to a field or list item of a written scenario, depth first. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((item, i) => pathsOf(item, [...prefix, i]))];
  if (typeof value === "object" && value !== null) {
    return [prefix, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...prefix, key]))];
  }
  return [prefix];
}

type Mutation =
  | { kind: "replace"; path: Path; value: unknown }
  | { kind: "remove"; path: Path }
  | { kind: "rename"; path: Path; suffix: string };

function applyMutation(scenario: WrittenScenario, mutation: Mutation): unknown {
  const copy = structuredClone(scenario) as unknown;
  const { path } = mutation;
  if (path.length === 0) return mutation.kind === "replace" ? mutation.value : copy;
  const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], copy);
  const last = path[path.length - 1]!;
  const container = parent as Record<string | number, unknown>;
  if (mutation.kind === "replace") container[last] = mutation.value;
  else if (mutation.kind === "remove") {
    if (Array.isArray(container)) container.splice(Number(last), 1);
    else delete container[last];
  } else if (!Array.isArray(container)) {
    container[`${String(last)}${mutation.suffix}`] = container[last];
    delete container[last];
  }
  return copy;
}

const mutationArbitrary = (scenario: WrittenScenario): fc.Arbitrary<Mutation> => {
  const paths = pathsOf(scenario).filter((path) => path.length > 0);
  const path = fc.constantFrom(...paths);
  return fc.oneof(
    fc.record({ kind: fc.constant("replace" as const), path, value: fc.constantFrom(...BAD_VALUES) }),
    fc.record({ kind: fc.constant("remove" as const), path }),
    fc.record({ kind: fc.constant("rename" as const), path, suffix: fc.constantFrom("s", "_", "X") }),
    fc.record({
      kind: fc.constant("replace" as const),
      path: fc.constantFrom<Path>(["broker", "profile"], ["faults", 0, "target"], ["expect", "delivery"]),
      value: fc.constantFrom("rabbit", "kafka2", "billing/9", "exactly-twice"),
    }),
  );
};

/** A generated scenario with one to three mutations, as an object. */
export function mutatedScenarioArbitrary(): fc.Arbitrary<unknown> {
  return scenarioArbitrary().chain((scenario) =>
    fc
      .array(mutationArbitrary(scenario), { minLength: 1, maxLength: 3 })
      .map((mutations) =>
        mutations.reduce<unknown>((current, mutation) => safelyApplied(current, mutation), scenario as unknown),
      ),
  );
}

/** A mutation whose path an earlier mutation removed is skipped. */
function safelyApplied(current: unknown, mutation: Mutation): unknown {
  try {
    return applyMutation(current as WrittenScenario, mutation);
  } catch {
    return current;
  }
}

/** Ways YAML text goes wrong: cut short, a tab or a stray colon inserted, a quote left open, an alias bomb. */
export function textMutationArbitrary(text: string): fc.Arbitrary<string> {
  const at = fc.integer({ min: 0, max: Math.max(0, text.length - 1) });
  const bomb =
    'a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n';
  return fc.oneof(
    at.map((i) => text.slice(0, i)),
    fc
      .tuple(at, fc.constantFrom("\t", ": :", '"', "[", "}", "&x ", "*nothing ", "\n  - ", "\u0000"))
      .map(([i, insert]) => text.slice(0, i) + insert + text.slice(i)),
    fc.constant(bomb + text),
    fc.constant(`${text}\nname: again\n`),
  );
}
