import * as z from "zod";
import { type ConsumerTarget, consumerTarget } from "../components.js";
import { defineFaultKind, type Injection, type NormalFault } from "../kind.js";
import { timingOf, windowFields } from "../timing.js";
import { checkConsumerTarget, consumersHit } from "./consumer-target.js";

const slowSchema = z.strictObject({
  ...windowFields,
  slow: z.strictObject({
    target: z.string().meta({ description: "an instance, a group, or group/* for one at random" }),
    factor: z
      .number()
      .positive()
      .max(1_000_000)
      .meta({ description: "processing time is multiplied by this (at most 1000000)" }),
  }),
});

type SlowSpec = z.output<typeof slowSchema>;

/** `slow:` processing takes `factor` times longer for a window. */
export interface SlowConsumer extends NormalFault {
  kind: "slow-consumer";
  target: ConsumerTarget;
  factor: number;
  /** The window, µs. */
  lasts: number;
}

export interface SlowConsumerEffects {
  factor: number;
}

export const slowConsumer = defineFaultKind({
  kind: "slow-consumer",
  schema: slowSchema,
  is: (spec): spec is SlowSpec => "slow" in spec,
  checkTargets: (spec, at, components) => checkConsumerTarget([...at, "slow", "target"], spec.slow.target, components),
  normalize: (spec: SlowSpec, index, components): SlowConsumer => ({
    kind: "slow-consumer",
    index,
    timing: timingOf(spec),
    target: consumerTarget(components, spec.slow.target),
    factor: spec.slow.factor,
    lasts: spec.for,
  }),
  inject(fault: SlowConsumer, injection: Injection<SlowConsumerEffects>) {
    const targets = consumersHit(fault.target, injection);
    if (targets.length === 0) injection.nothingToDo();
    const endsAt = injection.world.sim.now + fault.lasts;
    for (const consumer of targets) {
      const occurrence = injection.begin(consumer.options.name, { factor: fault.factor });
      consumer.slowdown = fault.factor;
      injection.endAt(occurrence, endsAt, () => {
        consumer.slowdown = 1;
      });
    }
  },
});
