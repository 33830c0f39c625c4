import * as z from "zod";
import { defineFaultKind, type Injection, type NormalFault } from "../kind.js";
import { timingOf, windowFields } from "../timing.js";
import { checkDependencyTarget, dependencyIndex } from "./dependency-target.js";

const errorBurstSchema = z.strictObject({
  ...windowFields,
  errorBurst: z.strictObject({
    dependency: z.string().meta({ description: "a dependency declared under dependencies:" }),
    rate: z
      .number()
      .min(0)
      .max(1)
      .meta({ description: "an extra share of served calls failing transiently during the window" }),
  }),
});

type ErrorBurstSpec = z.output<typeof errorBurstSchema>;

/** `errorBurst:` a dependency fails an extra share of calls, transiently, for a window. */
export interface DependencyErrorBurst extends NormalFault {
  kind: "dependency-errors";
  dependency: number;
  name: string;
  rate: number;
  /** The window, µs. */
  lasts: number;
}

export interface DependencyErrorBurstEffects {
  /** The extra transient error share. */
  errorRate: number;
}

export const dependencyErrorBurst = defineFaultKind({
  kind: "dependency-errors",
  schema: errorBurstSchema,
  is: (spec): spec is ErrorBurstSpec => "errorBurst" in spec,
  checkTargets: (spec, at, components) =>
    checkDependencyTarget([...at, "errorBurst", "dependency"], spec.errorBurst.dependency, components),
  normalize: (spec: ErrorBurstSpec, index, components): DependencyErrorBurst => ({
    kind: "dependency-errors",
    index,
    timing: timingOf(spec),
    dependency: dependencyIndex(components, spec.errorBurst.dependency),
    name: spec.errorBurst.dependency,
    rate: spec.errorBurst.rate,
    lasts: spec.for,
  }),
  inject(fault: DependencyErrorBurst, injection: Injection<DependencyErrorBurstEffects>) {
    const dependency = injection.world.dependencies[fault.dependency]!;
    const occurrence = injection.begin(fault.name, { errorRate: fault.rate });
    dependency.extraErrors = fault.rate;
    injection.endAt(occurrence, injection.world.sim.now + fault.lasts, () => {
      dependency.extraErrors = 0;
    });
  },
});
