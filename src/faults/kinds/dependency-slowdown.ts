import * as z from "zod";
import { defineFaultKind, type Injection, type NormalFault } from "../kind.js";
import { timingOf, windowFields } from "../timing.js";
import { checkDependencyTarget, dependencyIndex } from "./dependency-target.js";

const slowdownSchema = z.strictObject({
  ...windowFields,
  slowdown: z.strictObject({
    dependency: z.string().meta({ description: "a dependency declared under dependencies:" }),
    factor: z
      .number()
      .positive()
      .max(1_000_000)
      .meta({ description: "the dependency's latency is multiplied by this (at most 1000000)" }),
  }),
});

type SlowdownSpec = z.output<typeof slowdownSchema>;

/** `slowdown:` a dependency answers `factor` times slower for a window (calls it starts serving then). */
export interface DependencySlowdown extends NormalFault {
  kind: "dependency-slowdown";
  dependency: number;
  name: string;
  factor: number;
  /** The window, µs. */
  lasts: number;
}

export interface DependencySlowdownEffects {
  factor: number;
}

export const dependencySlowdown = defineFaultKind({
  kind: "dependency-slowdown",
  schema: slowdownSchema,
  is: (spec): spec is SlowdownSpec => "slowdown" in spec,
  checkTargets: (spec, at, components) =>
    checkDependencyTarget([...at, "slowdown", "dependency"], spec.slowdown.dependency, components),
  normalize: (spec: SlowdownSpec, index, components): DependencySlowdown => ({
    kind: "dependency-slowdown",
    index,
    timing: timingOf(spec),
    dependency: dependencyIndex(components, spec.slowdown.dependency),
    name: spec.slowdown.dependency,
    factor: spec.slowdown.factor,
    lasts: spec.for,
  }),
  inject(fault: DependencySlowdown, injection: Injection<DependencySlowdownEffects>) {
    const dependency = injection.world.dependencies[fault.dependency]!;
    const occurrence = injection.begin(fault.name, { factor: fault.factor });
    dependency.slowdown = fault.factor;
    injection.endAt(occurrence, injection.world.sim.now + fault.lasts, () => {
      dependency.slowdown = 1;
    });
  },
});
