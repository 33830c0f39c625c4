import fc from "fast-check";
import { profileNamed } from "../brokers/profiles.js";
import type { ParsedScenario } from "../scenario/schema.js";
import {
  type FaultChoice,
  type FaultKindChoice,
  type FaultTargets,
  targetNames,
  writeFault,
} from "./fault-arbitrary.js";

/**
 * What `queuesim explore` varies: a fault plan (which faults, aimed where, when, for how long) and, while
 * shrinking, the workload (duration, rate, instances). Both are plain records of integers and choices, so
 * fast-check can shrink a value it did not generate itself (`shrink(value, undefined)`), toward fewer
 * faults, earlier and shorter ones, a shorter run, a lower rate and fewer instances.
 */
export type WrittenScenario = Record<string, unknown>;

export interface ExploreSpace {
  kinds: readonly FaultKindChoice[];
  /** Faults in one plan, 1 to this many. */
  maxFaults: number;
  /** Faults start within [0, this) ms. */
  startWithinMs: number;
  /** Windows and restarts last 1 to this many ms. */
  longestMs: number;
}

/**
 * A fault plan and the workload it runs against. Times are in thousandths: a fault's `atMs` and `forMs` of the
 * space's `startWithinMs` and `longestMs`, the duration of the scenario's own; so each shrinks by bisection in
 * about ten runs, to within 0.1%.
 */
export interface Candidate {
  faults: FaultChoice[];
  durationPermille: number;
  /** Every producer's rate, in thousandths of its written rate. */
  ratePermille: number;
  /** Instances of each consumer group. */
  instances: number[];
}

/** The components of the scenario as faults name them (from the validated scenario). */
export function targetsOfScenario(scenario: ParsedScenario): FaultTargets {
  const nodes = profileNamed(scenario.broker.profile).nodes?.(scenario.broker) ?? 0;
  return {
    producers: scenario.producers.map((p) => ({ name: p.name, instances: p.instances })),
    groups: scenario.consumers.map((c) => ({ name: c.group, instances: c.instances })),
    brokerNodes: nodes,
    // Sorted: the index a fault draws must name the same dependency however the file lists them.
    dependencies: Object.keys(scenario.dependencies ?? {}).sort(),
  };
}

/** The kinds of `wanted` that can hit something in this scenario. */
export function usableKinds(wanted: readonly FaultKindChoice[], targets: FaultTargets): FaultKindChoice[] {
  return wanted.filter((kind) => targetNames(kind, targets).length > 0);
}

/** One fault: no `chain`, so it shrinks without the context it was generated in. The target is taken modulo. */
function faultArbitrary(space: ExploreSpace): fc.Arbitrary<FaultChoice> {
  return fc.record({
    kind: fc.constantFrom(...space.kinds),
    target: fc.nat({ max: 9999 }),
    atMs: fc.integer({ min: 0, max: 999 }),
    forMs: fc.integer({ min: 1, max: 1000 }),
    detail: fc.integer({ min: 0, max: 99 }),
  });
}

/** Fault plans of one to `maxFaults` faults. */
export function planArbitrary(space: ExploreSpace): fc.Arbitrary<FaultChoice[]> {
  return fc.array(faultArbitrary(space), { minLength: 1, maxLength: space.maxFaults });
}

/** A plan together with the workload, for shrinking both (the workload as written is the largest value). */
export function candidateArbitrary(space: ExploreSpace, scenario: ParsedScenario): fc.Arbitrary<Candidate> {
  // Fields shrink in this order: the faults (fewest, then earliest and shortest), instances, rate, duration.
  return fc.record({
    faults: fc.array(faultArbitrary(space), { minLength: 0, maxLength: space.maxFaults }),
    instances: fc.tuple(...scenario.consumers.map((c) => fc.integer({ min: 1, max: c.instances }))),
    ratePermille: fc.integer({ min: 1, max: 1000 }),
    durationPermille: fc.integer({ min: 1, max: 1000 }),
  });
}

/** The scenario as written, with this plan and workload: faults the user wrote stay, the plan's are added. */
export function applyCandidate(written: WrittenScenario, candidate: Candidate, world: PlanWorld): WrittenScenario {
  const { targets, space, durationMs, name } = world;
  const { explore: _explore, ...rest } = written;
  const scale = (rate: unknown) => scaledRate(rate, candidate.ratePermille);
  const producers = (written.producers as WrittenScenario[]).map((producer) => scaleProducer(producer, scale));
  const consumers = (written.consumers as WrittenScenario[]).map((consumer, i) => ({
    ...consumer,
    instances: candidate.instances[i] ?? consumer.instances ?? 1,
  }));
  const own = Array.isArray(written.faults) ? written.faults : [];
  return {
    ...rest,
    name,
    duration: `${Math.max(1, Math.ceil((durationMs * candidate.durationPermille) / 1000))}ms`,
    producers,
    consumers,
    faults: [...own, ...candidate.faults.map((fault) => writeFault(resolved(fault, targets, space), targets))],
  };
}

/** What a candidate is applied in: the scenario's components, the space, its duration as written, the new name. */
export interface PlanWorld {
  targets: FaultTargets;
  space: ExploreSpace;
  durationMs: number;
  name: string;
}

/** The target index taken modulo the kind's targets; times from thousandths to milliseconds. */
function resolved(fault: FaultChoice, targets: FaultTargets, space: ExploreSpace): FaultChoice {
  return {
    ...fault,
    target: fault.target % Math.max(1, targetNames(fault.kind, targets).length),
    atMs: Math.floor((fault.atMs * space.startWithinMs) / 1000),
    forMs: Math.max(1, Math.floor((fault.forMs * space.longestMs) / 1000)),
  };
}

function scaleProducer(producer: WrittenScenario, scale: (rate: unknown) => unknown): WrittenScenario {
  const scaled: WrittenScenario = { ...producer };
  if (producer.rate !== undefined) scaled.rate = scale(producer.rate);
  const arrival = producer.arrival as WrittenScenario | undefined;
  if (arrival !== undefined) {
    scaled.arrival = {
      ...arrival,
      ...(arrival.rate !== undefined ? { rate: scale(arrival.rate) } : {}),
      ...(Array.isArray(arrival.phases)
        ? {
            phases: (arrival.phases as WrittenScenario[]).map((phase) => ({
              ...phase,
              ...(phase.rate !== undefined ? { rate: scale(phase.rate) } : {}),
              ...(phase.from !== undefined ? { from: scale(phase.from) } : {}),
              ...(phase.to !== undefined ? { to: scale(phase.to) } : {}),
            })),
          }
        : {}),
    };
  }
  return scaled;
}

/** "400/s" at 250 permille is "100/s"; a rate written otherwise is left as it is. */
function scaledRate(rate: unknown, permille: number): unknown {
  if (permille === 1000 || typeof rate !== "string") return rate;
  const match = /^\s*([0-9]*\.?[0-9]+)\s*\/\s*([a-z]+)\s*$/.exec(rate);
  if (match === null) return rate;
  const value = (Number(match[1]) * permille) / 1000;
  return `${Number(value.toPrecision(3))}/${match[2]}`;
}
