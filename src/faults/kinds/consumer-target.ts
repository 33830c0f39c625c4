import { expectOneOf } from "../check.js";
import { type Components, type ConsumerTarget, consumerTargetNames } from "../components.js";
import type { Injection, Path, TargetProblem } from "../kind.js";
import type { FaultableConsumer } from "../world.js";

/** Targets of the kinds that hit consumers (crash, stop, slow): an instance, a group, or group/*. */
export function checkConsumerTarget(path: Path, target: string, components: Components): TargetProblem[] {
  return expectOneOf(path, target, consumerTargetNames(components), "a consumer group, instance or group/*");
}

/** The consumers one occurrence hits; for group/*, one of those up now, drawn from the fault's pick stream. */
export function consumersHit(target: ConsumerTarget, injection: Injection<object>): FaultableConsumer[] {
  const all = injection.world.consumers;
  if (!target.pickOneUp) return target.consumers.map((index) => all[index]!);
  const candidates = target.consumers.map((index) => all[index]!).filter((consumer) => consumer.isUp);
  if (candidates.length === 0) return [];
  return [candidates[Math.floor(injection.pick() * candidates.length)]!];
}
