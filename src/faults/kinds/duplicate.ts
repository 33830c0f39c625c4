import * as z from "zod";
import { expectOneOf } from "../check.js";
import { endpointSet, linksBetween } from "../components.js";
import { defineFaultKind, type Injection, type NormalFault } from "../kind.js";
import { timingOf, windowFields } from "../timing.js";
import type { FaultableLink, LinkRef } from "../world.js";
import { linksOf } from "./link-target.js";

const duplicateSchema = z.strictObject({
  ...windowFields,
  duplicate: z.strictObject({
    target: z.string().default("broker").meta({ description: "broker (every delivery) or a consumer group" }),
    probability: z.number().min(0).max(1).meta({ description: "chance that a delivery arrives twice" }),
  }),
});

type DuplicateSpec = z.output<typeof duplicateSchema>;

/** `duplicate:` messages the broker sends on the named links arrive twice, with a probability, for a window. */
export interface Duplicate extends NormalFault {
  kind: "duplicate";
  /** The target as written, for reports. */
  label: string;
  /** Links from the broker: to every client for `broker`, else to the group's or instance's consumers. */
  links: LinkRef[];
  probability: number;
  /** The window, µs. */
  lasts: number;
}

export interface DuplicateEffects {
  /** Messages delivered twice during the window; set when it ends. */
  duplicatedDeliveries?: number;
}

export const duplicate = defineFaultKind({
  kind: "duplicate",
  schema: duplicateSchema,
  is: (spec): spec is DuplicateSpec => "duplicate" in spec,
  checkTargets: (spec, at, components) =>
    expectOneOf(
      [...at, "duplicate", "target"],
      spec.duplicate.target,
      ["broker", ...components.groups, ...components.consumers],
      "broker or a consumer group or instance",
    ),
  normalize: (spec: DuplicateSpec, index, components): Duplicate => {
    const target = spec.duplicate.target;
    const to = endpointSet(components, target === "broker" ? "*" : target);
    return {
      kind: "duplicate",
      index,
      timing: timingOf(spec),
      label: target,
      links: linksBetween(components, endpointSet(components, "broker"), to),
      probability: spec.duplicate.probability,
      lasts: spec.for,
    };
  },
  inject(fault: Duplicate, injection: Injection<DuplicateEffects>) {
    const links = linksOf(injection.world, fault.links);
    const rng = injection.stream("duplicate");
    const before = duplicatedOn(links);
    const occurrence = injection.begin(fault.label, {});
    for (const link of links) link.duplicate = { probability: fault.probability, rng };
    injection.endAt(occurrence, injection.world.sim.now + fault.lasts, () => {
      for (const link of links) link.duplicate = null;
      occurrence.effects.duplicatedDeliveries = duplicatedOn(links) - before;
    });
  },
});

function duplicatedOn(links: readonly FaultableLink[]): number {
  return links.reduce((sum, link) => sum + link.duplicated, 0);
}
