import * as z from "zod";
import { problem } from "../check.js";
import { producerTargetNames } from "../components.js";
import { defineFaultKind, type Injection, type NormalFault } from "../kind.js";
import { timingOf, windowFields } from "../timing.js";
import type { LinkRef } from "../world.js";
import { linkSides, linksNamed, linksOf, lostOn } from "./link-target.js";

const lossSchema = z.strictObject({
  ...windowFields,
  loss: z.strictObject({
    link: z
      .string()
      .meta({ description: "a producer link, from->to: checkout->broker (publishes) or broker->checkout (confirms)" }),
    probability: z.number().min(0).max(1).meta({ description: "chance that a message on the link vanishes" }),
  }),
});

type LossSpec = z.output<typeof lossSchema>;

/** `loss:` messages on a producer's links vanish, with a probability, for a window. */
export interface Loss extends NormalFault {
  kind: "loss";
  /** The link as written, for reports. */
  label: string;
  links: LinkRef[];
  probability: number;
  /** The window, µs. */
  lasts: number;
}

export interface LossEffects {
  /** Messages the links lost during the window; set when it ends. */
  messagesLost?: number;
}

export const loss = defineFaultKind({
  kind: "loss",
  schema: lossSchema,
  is: (spec): spec is LossSpec => "loss" in spec,
  checkTargets(spec, at, components) {
    const sides = linkSides(spec.loss.link);
    const producerEnd = producerTargetNames(components);
    if (sides?.includes("broker") && sides.some((side) => producerEnd.includes(side))) return [];
    const message = `"${spec.loss.link}" is not a link between a producer and the broker (e.g. checkout->broker)`;
    return problem([...at, "loss", "link"], message);
  },
  normalize: (spec: LossSpec, index, components): Loss => ({
    kind: "loss",
    index,
    timing: timingOf(spec),
    label: spec.loss.link,
    links: linksNamed(components, spec.loss.link),
    probability: spec.loss.probability,
    lasts: spec.for,
  }),
  inject(fault: Loss, injection: Injection<LossEffects>) {
    const links = linksOf(injection.world, fault.links);
    const rng = injection.stream("loss");
    const before = lostOn(links);
    const occurrence = injection.begin(fault.label, {});
    for (const link of links) link.loss = { probability: fault.probability, rng };
    injection.endAt(occurrence, injection.world.sim.now + fault.lasts, () => {
      for (const link of links) link.loss = null;
      occurrence.effects.messagesLost = lostOn(links) - before;
    });
  },
});
