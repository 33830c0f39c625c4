import type * as z from "zod";
import type { FaultKind, NormalFault } from "./kind.js";
import { brokerCrash } from "./kinds/broker-crash.js";
import { consumerCrash } from "./kinds/consumer-crash.js";
import { consumerStop } from "./kinds/consumer-stop.js";
import { dependencySlowdown } from "./kinds/dependency-slowdown.js";
import { duplicate } from "./kinds/duplicate.js";
import { dependencyErrorBurst } from "./kinds/error-burst.js";
import { latency } from "./kinds/latency.js";
import { loss } from "./kinds/loss.js";
import { dependencyOutage } from "./kinds/outage.js";
import { partition } from "./kinds/partition.js";
import { poison } from "./kinds/poison.js";
import { producerCrash } from "./kinds/producer-crash.js";
import { slowConsumer } from "./kinds/slow-consumer.js";

/**
 * Every kind of fault. The order is that of the `faults:` union in the
 * scenario schema (kinds sharing a written form appear there once, where the
 * first of them is), so it fixes the order of schema/scenario.schema.json.
 */
export const faultKinds = [
  consumerCrash,
  brokerCrash,
  producerCrash,
  consumerStop,
  slowConsumer,
  latency,
  duplicate,
  loss,
  partition,
  poison,
  dependencyOutage,
  dependencySlowdown,
  dependencyErrorBurst,
] as const;

type Kinds = (typeof faultKinds)[number];

export type FaultKindName = Kinds["kind"];

/** A fault with its targets resolved to indices: what the injector and the build read. */
export type Fault = NormalOf<Kinds>;

/** Every effect any kind reports, by name; an occurrence has those of its kind. */
export type FaultEffects = Partial<UnionToIntersection<EffectsOf<Kinds>>>;

/** A kind of any type, as the injector and the scenario schema see it. */
export type SomeFaultKind = FaultKind<z.ZodObject, z.output<z.ZodObject>, NormalFault, object>;

const kinds: readonly SomeFaultKind[] = faultKinds;

/** The kind of a parsed (written) fault. */
export function kindOfWritten(spec: object): SomeFaultKind {
  const kind = kinds.find((candidate) => candidate.is(spec));
  if (kind === undefined) throw new Error(`invariant: a parsed fault of no known kind: ${JSON.stringify(spec)}`);
  return kind;
}

/** The kind of a normalized fault. */
export function kindNamed(name: FaultKindName): SomeFaultKind {
  return kinds.find((kind) => kind.kind === name)!;
}

type NormalOf<K> = K extends FaultKind<infer _S, infer _W, infer N, infer _E> ? N : never;
type EffectsOf<K> = K extends FaultKind<infer _S, infer _W, infer _N, infer E> ? E : never;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
