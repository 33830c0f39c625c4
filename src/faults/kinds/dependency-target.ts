import { expectOneOf } from "../check.js";
import type { Components } from "../components.js";
import type { Path, TargetProblem } from "../kind.js";

/** Targets of the dependency faults (outage, slowdown, errorBurst): a name under `dependencies:`. */
export function checkDependencyTarget(path: Path, target: string, components: Components): TargetProblem[] {
  const known = components.dependencies;
  const what =
    known.length === 0
      ? "a dependency (none is declared under dependencies:)"
      : `a dependency (known: ${known.join(", ")})`;
  return expectOneOf(path, target, known, what);
}

/** The dependency's index in the run (the order the scenario declares them). */
export function dependencyIndex(components: Components, name: string): number {
  return components.dependencies.indexOf(name);
}
