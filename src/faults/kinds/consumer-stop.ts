import * as z from "zod";
import { duration } from "../../units/quantities.js";
import { type ConsumerTarget, consumerTarget } from "../components.js";
import { defineFaultKind, type Injection, type NormalFault } from "../kind.js";
import { startFields, timingOf } from "../timing.js";
import type { FaultableConsumer } from "../world.js";
import { checkConsumerTarget, consumersHit } from "./consumer-target.js";

const stopSchema = z.strictObject({
  ...startFields,
  stop: z.literal("consumer").meta({ description: "a clean stop: what a rolling deploy or a scale-down does" }),
  target: z.string().meta({
    description: "an instance (billing/2), a group (billing: every instance) or billing/* (one at random)",
  }),
  restartAfter: duration()
    .optional()
    .meta({ description: "start again after this long; default: at the end of duration" }),
  gracePeriod: duration().prefault("30s").meta({
    description:
      "time to finish the work under way before the consumer is killed (a crash); default 30s, like Kubernetes' terminationGracePeriodSeconds",
  }),
});

type StopSpec = z.output<typeof stopSchema>;

/** `stop: consumer`: a clean stop, then a restart restartAfter after the consumer closed or was killed. */
export interface ConsumerStop extends NormalFault {
  kind: "consumer-stop";
  target: ConsumerTarget;
  gracePeriod: number;
  /** µs from closing (or being killed) to the restart; null: at duration. */
  restartAfter: number | null;
}

export interface ConsumerStopEffects {
  /** Deliveries being processed when the stop began. */
  deliveriesInProgress: number;
  /** Closed in time: deliveries it held but had not started, handed back. */
  deliveriesReturned?: number;
  /** 1 if the grace period ran out and the consumer was killed, else 0. */
  killed?: number;
  /** Killed: deliveries it held when it died. */
  deliveriesHeld?: number;
}

export const consumerStop = defineFaultKind({
  kind: "consumer-stop",
  schema: stopSchema,
  is: (spec): spec is StopSpec => "stop" in spec,
  checkTargets: (spec, at, components) => checkConsumerTarget([...at, "target"], spec.target, components),
  normalize: (spec: StopSpec, index, components): ConsumerStop => ({
    kind: "consumer-stop",
    index,
    timing: timingOf(spec),
    target: consumerTarget(components, spec.target),
    gracePeriod: spec.gracePeriod,
    restartAfter: spec.restartAfter ?? null,
  }),
  inject(fault: ConsumerStop, injection: Injection<ConsumerStopEffects>) {
    const targets = consumersHit(fault.target, injection).filter((c) => c.isUp && !c.isStopping);
    if (targets.length === 0) injection.nothingToDo();
    for (const consumer of targets) stopConsumer(consumer, fault, injection);
  },
});

/**
 * A clean stop: the consumer drains, then closes (or is killed when the
 * grace period runs out) and stays down for `restartAfter` from then.
 */
function stopConsumer(consumer: FaultableConsumer, fault: ConsumerStop, injection: Injection<ConsumerStopEffects>) {
  const { sim, duration } = injection.world;
  const occurrence = injection.begin(consumer.options.name, { deliveriesInProgress: consumer.inProgress });
  const restart = (): void => {
    injection.endAt(occurrence, sim.now + (fault.restartAfter ?? duration), () => consumer.restart());
  };
  consumer.stop(fault.gracePeriod, {
    closed: (unstarted) => {
      occurrence.effects.deliveriesReturned = unstarted;
      occurrence.effects.killed = 0;
      restart();
    },
    killed: (held) => {
      occurrence.effects.killed = 1;
      occurrence.effects.deliveriesHeld = held;
      restart();
    },
  });
}
