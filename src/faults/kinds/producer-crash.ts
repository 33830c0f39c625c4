import { expectOneOf } from "../check.js";
import { producersNamed, producerTargetNames } from "../components.js";
import { defineFaultKind, type Injection, type NormalFault } from "../kind.js";
import { timingOf } from "../timing.js";
import {
  type CrashOf,
  crashSchema,
  isCrashOf,
  refuseBrokerName,
  refuseHang,
  refusePoint,
  requireTarget,
} from "./crash-written.js";

/** `crash: producer`: each instance named stops publishing, forgets what it had not been told about, and restarts. */
export interface ProducerCrash extends NormalFault {
  kind: "producer-crash";
  /** Producer instances, by index. */
  producers: number[];
  /** µs from the crash to the restart; null: at duration. */
  restartAfter: number | null;
}

export interface ProducerCrashEffects {
  /** Messages sent whose outcome the producer never learned. */
  outcomesUnknown: number;
}

export const producerCrash = defineFaultKind({
  kind: "producer-crash",
  schema: crashSchema,
  is: isCrashOf("producer"),
  refine(spec, issues) {
    requireTarget(spec, "checkout#1", issues);
    refuseHang(spec, issues);
    refusePoint(spec, issues);
    refuseBrokerName(spec, issues);
  },
  checkTargets: (spec, at, components) =>
    spec.target === undefined
      ? []
      : expectOneOf([...at, "target"], spec.target, producerTargetNames(components), "a producer or producer instance"),
  normalize: (spec: CrashOf<"producer">, index, components): ProducerCrash => ({
    kind: "producer-crash",
    index,
    timing: timingOf(spec),
    producers: producersNamed(components, spec.target ?? ""),
    restartAfter: spec.restartAfter ?? null,
  }),
  inject(fault: ProducerCrash, injection: Injection<ProducerCrashEffects>) {
    const { broker, producers, duration, sim } = injection.world;
    const restartAt = sim.now + (fault.restartAfter ?? duration);
    // An instance already down is not crashed again, and its earlier crash's restart stands (as for consumers).
    const up = fault.producers.filter((index) => producers[index]!.isUp);
    for (const index of up) {
      const producer = producers[index]!;
      const occurrence = injection.begin(producer.options.name, { outcomesUnknown: 0 });
      // Observers hear of the fault before what the crash itself reports (publishers unblocked).
      occurrence.effects.outcomesUnknown = producer.crash();
      broker.producerDown?.(index);
      injection.endAt(occurrence, restartAt, () => {
        producer.restart();
        broker.producerUp?.(index);
      });
    }
    if (up.length === 0) injection.nothingToDo();
  },
});
