import type { ConnectionLoss, CrashPoint } from "../../model/consumer.js";
import { type ConsumerTarget, consumerTarget } from "../components.js";
import { defineFaultKind, type Injection, type NormalFault } from "../kind.js";
import { timingOf } from "../timing.js";
import type { FaultableConsumer } from "../world.js";
import { checkConsumerTarget, consumersHit } from "./consumer-target.js";
import { type CrashOf, crashSchema, isCrashOf, refuseBrokerName, requireTarget } from "./crash-written.js";

/** `crash: consumer`: an instance dies at once or at a point of its cycle, and restarts after restartAfter. */
export interface ConsumerCrash extends NormalFault {
  kind: "consumer-crash";
  target: ConsumerTarget;
  point: CrashPoint;
  /** How the broker hears of it: sockets closed by the OS (process), or open and silent (hang, host). */
  loss: ConnectionLoss;
  /** µs from the crash to the restart; null: at duration. */
  restartAfter: number | null;
}

export interface ConsumerCrashEffects {
  /** Deliveries the instance held when it crashed. */
  deliveriesHeld: number;
}

export const consumerCrash = defineFaultKind({
  kind: "consumer-crash",
  schema: crashSchema,
  is: isCrashOf("consumer"),
  refine: (spec, issues) => {
    requireTarget(spec, "billing/2", issues);
    refuseBrokerName(spec, issues);
  },
  checkTargets: (spec, at, components) =>
    spec.target === undefined ? [] : checkConsumerTarget([...at, "target"], spec.target, components),
  normalize: (spec: CrashOf<"consumer">, index, components): ConsumerCrash => ({
    kind: "consumer-crash",
    index,
    timing: timingOf(spec),
    target: consumerTarget(components, spec.target ?? ""),
    point: spec.point,
    loss: spec.mode === "process" ? "closed" : "silent",
    restartAfter: spec.restartAfter ?? null,
  }),
  inject(fault: ConsumerCrash, injection: Injection<ConsumerCrashEffects>) {
    const targets = consumersHit(fault.target, injection);
    // With nobody up to crash, a random fault tries again after its usual wait.
    if (targets.length === 0) injection.nothingToDo();
    for (const consumer of targets) armCrash(consumer, fault, injection);
  },
});

/** The occurrence starts when the consumer actually crashes, which may be later than now (at its crash point). */
function armCrash(consumer: FaultableConsumer, fault: ConsumerCrash, injection: Injection<ConsumerCrashEffects>) {
  const { sim, duration } = injection.world;
  consumer.armCrash(fault.point, fault.loss, (held) => {
    const occurrence = injection.begin(consumer.options.name, { deliveriesHeld: held });
    injection.endAt(occurrence, sim.now + (fault.restartAfter ?? duration), () => consumer.restart());
  });
  // A crash point never reached before the end of the run is disarmed by the heal.
  injection.onHeal(() => consumer.disarmCrash());
}
