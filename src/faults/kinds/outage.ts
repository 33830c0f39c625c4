import * as z from "zod";
import { defineFaultKind, type Injection, type NormalFault } from "../kind.js";
import { timingOf, windowFields } from "../timing.js";
import { checkDependencyTarget, dependencyIndex } from "./dependency-target.js";

const outageSchema = z.strictObject({
  ...windowFields,
  outage: z.strictObject({
    dependency: z.string().meta({ description: "a dependency declared under dependencies:" }),
    mode: z.enum(["refuse", "hang"]).default("refuse").meta({
      description:
        "refuse: every call fails at once (connection refused, a 503 from a load balancer); hang: calls are never answered, only the client's timeout ends them",
    }),
  }),
});

type OutageSpec = z.output<typeof outageSchema>;

/** `outage:` a dependency is down for a window. */
export interface DependencyOutage extends NormalFault {
  kind: "dependency-outage";
  dependency: number;
  name: string;
  mode: "refuse" | "hang";
  /** The window, µs. */
  lasts: number;
}

export interface DependencyOutageEffects {
  /** How calls failed: refused at once, or left hanging. */
  mode: "refuse" | "hang";
}

export const dependencyOutage = defineFaultKind({
  kind: "dependency-outage",
  schema: outageSchema,
  is: (spec): spec is OutageSpec => "outage" in spec,
  checkTargets: (spec, at, components) =>
    checkDependencyTarget([...at, "outage", "dependency"], spec.outage.dependency, components),
  normalize: (spec: OutageSpec, index, components): DependencyOutage => ({
    kind: "dependency-outage",
    index,
    timing: timingOf(spec),
    dependency: dependencyIndex(components, spec.outage.dependency),
    name: spec.outage.dependency,
    mode: spec.outage.mode,
    lasts: spec.for,
  }),
  inject(fault: DependencyOutage, injection: Injection<DependencyOutageEffects>) {
    const dependency = injection.world.dependencies[fault.dependency]!;
    const occurrence = injection.begin(fault.name, { mode: fault.mode });
    dependency.outage = fault.mode;
    injection.endAt(occurrence, injection.world.sim.now + fault.lasts, () => {
      dependency.outage = null;
    });
  },
});
