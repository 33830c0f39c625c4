import * as z from "zod";
import { samplerFor } from "../../random/distributions.js";
import { duration } from "../../units/quantities.js";
import { defineFaultKind, type Injection, type NormalFault } from "../kind.js";
import { timingOf, windowFields } from "../timing.js";
import type { LinkRef } from "../world.js";
import { checkLinkSides, linksNamed, linksOf } from "./link-target.js";

const latencySchema = z.strictObject({
  ...windowFields,
  latency: z.strictObject({
    link: z
      .string()
      .meta({ description: "from->to, each side broker, a producer, a group or an instance: broker->billing" }),
    add: duration().meta({ description: "extra one-way delay" }),
    jitter: duration().prefault(0).meta({ description: "plus a uniform random delay up to this" }),
  }),
});

type LatencySpec = z.output<typeof latencySchema>;

/** `latency:` messages on the named links take `add` plus up to `jitter` longer, for a window. */
export interface Latency extends NormalFault {
  kind: "latency";
  /** The link as written, for reports. */
  label: string;
  links: LinkRef[];
  add: number;
  jitter: number;
  /** The window, µs. */
  lasts: number;
}

export interface LatencyEffects {
  /** Links the pattern matched. */
  links: number;
}

export const latency = defineFaultKind({
  kind: "latency",
  schema: latencySchema,
  is: (spec): spec is LatencySpec => "latency" in spec,
  checkTargets: (spec, at, components) => checkLinkSides([...at, "latency", "link"], spec.latency.link, components),
  normalize: (spec: LatencySpec, index, components): Latency => ({
    kind: "latency",
    index,
    timing: timingOf(spec),
    label: spec.latency.link,
    links: linksNamed(components, spec.latency.link),
    add: spec.latency.add,
    jitter: spec.latency.jitter,
    lasts: spec.for,
  }),
  inject(fault: Latency, injection: Injection<LatencyEffects>) {
    const links = linksOf(injection.world, fault.links);
    // Each occurrence starts at a later instant (see the injector), so these stream names never repeat.
    const rng = injection.stream("latency");
    const { add, jitter } = fault;
    const extra = samplerFor({ dist: "uniform", min: add, max: add + jitter }, rng);
    const occurrence = injection.begin(fault.label, { links: links.length });
    for (const link of links) link.extraDelay = extra;
    injection.endAt(occurrence, injection.world.sim.now + fault.lasts, () => {
      for (const link of links) link.extraDelay = null;
    });
  },
});
