import fc from "fast-check";

/**
 * Faults as data: each a record of small integers and choices (which target by index, when and how long),
 * written out as the scenario's `faults:` entries by `writeFault`. Kept as numbers, not text, so fast-check's
 * shrinking moves every fault earlier, shorter and onto the first instance, and drops whole faults: what
 * `queuesim explore` reports as the smallest failing plan (src/explore/plan.ts) and what the swarm shrinks.
 */

/** The components a fault can name: producers and consumer groups with their instance counts, broker nodes. */
export interface FaultTargets {
  producers: readonly { name: string; instances: number }[];
  groups: readonly { name: string; instances: number }[];
  /** Broker nodes a fault may crash alone (kafka's `brokers`), or 0 when the broker is one node. */
  brokerNodes: number;
  /** The scenario's declared dependencies (downstream services), by name. */
  dependencies: readonly string[];
}

/** The kinds explore searches by default: the failures that break delivery promises. */
export const EXPLORED_KINDS = [
  "consumer-crash",
  "consumer-stop",
  "producer-crash",
  "broker-crash",
  "partition",
  "duplicate",
] as const;

/** Every kind generated scenarios may hold (the fault registry's kinds). */
export const ALL_KINDS = [
  ...EXPLORED_KINDS,
  "slow-consumer",
  "latency",
  "loss",
  "poison",
  "dependency-outage",
  "dependency-slowdown",
  "dependency-errors",
] as const;

export type FaultKindChoice = (typeof ALL_KINDS)[number];

export const CRASH_POINTS = ["now", "after-receive", "after-side-effect", "after-dedup-record", "before-ack"] as const;

/** One fault: its kind, a target by index, its start and length in ms, and kind-specific choices. */
export interface FaultChoice {
  kind: FaultKindChoice;
  /** Which target, as an index into the kind's list of targets (see `targetNames`). */
  target: number;
  /** When it starts, ms (explore draws thousandths of its window and converts them). */
  atMs: number;
  /** How long it lasts (a window) or until the restart (a crash or stop), ms. */
  forMs: number;
  /** A crash point, a crash mode, a probability in percent or a factor: the kind's own choice. */
  detail: number;
}

/** The names a kind's `target` index picks from, in a fixed order: instances first, then whole groups. */
export function targetNames(kind: FaultKindChoice, targets: FaultTargets): string[] {
  const instances = targets.groups.flatMap((g) => range(g.instances).map((i) => `${g.name}/${i + 1}`));
  const producerInstances = targets.producers.flatMap((p) => range(p.instances).map((i) => `${p.name}#${i + 1}`));
  const groups = targets.groups.map((g) => g.name);
  switch (kind) {
    case "consumer-crash":
    case "consumer-stop":
    case "slow-consumer":
      return [...instances, ...groups.map((g) => `${g}/*`), ...groups];
    case "producer-crash":
      return producerInstances;
    case "broker-crash":
      return ["broker", ...range(targets.brokerNodes).map((i) => `broker/${i + 1}`)];
    case "partition":
      return [...instances, ...groups, ...producerInstances];
    case "duplicate":
      return ["broker", ...groups, ...instances];
    case "latency":
      return [...groups, ...producerInstances];
    case "loss":
      return targets.producers.flatMap((p) => [`${p.name}->broker`, `broker->${p.name}`]);
    case "poison":
      return ["*", ...targets.producers.map((p) => p.name)];
    case "dependency-outage":
    case "dependency-slowdown":
    case "dependency-errors":
      return [...targets.dependencies];
  }
}

/** The fault as a scenario's `faults:` entry. */
export function writeFault(choice: FaultChoice, targets: FaultTargets): Record<string, unknown> {
  const target = targetNames(choice.kind, targets)[choice.target] ?? "broker";
  const at = `${choice.atMs}ms`;
  const lasts = `${choice.forMs}ms`;
  const share = (choice.detail + 1) / 100;
  switch (choice.kind) {
    case "consumer-crash": {
      const point = CRASH_POINTS[choice.detail % CRASH_POINTS.length]!;
      const mode = ["process", "hang", "host"][Math.floor(choice.detail / 34)]!;
      return { at, crash: "consumer", target, point, mode, restartAfter: lasts };
    }
    case "consumer-stop":
      return { at, stop: "consumer", target, restartAfter: lasts, gracePeriod: `${choice.detail * 10}ms` };
    case "producer-crash":
      return { at, crash: "producer", target, restartAfter: lasts };
    case "broker-crash":
      return { at, crash: "broker", target, mode: choice.detail < 50 ? "process" : "host", restartAfter: lasts };
    case "partition":
      return { at, for: lasts, partition: { between: ["broker", target] } };
    case "duplicate":
      return { at, for: lasts, duplicate: { target, probability: share } };
    case "slow-consumer":
      return { at, for: lasts, slow: { target, factor: 1 + choice.detail } };
    case "latency":
      return { at, for: lasts, latency: { link: `broker->${target}`, add: `${choice.detail}ms` } };
    case "loss":
      return { at, for: lasts, loss: { link: target, probability: share } };
    case "poison":
      return { poison: target === "*" ? { fraction: share / 10 } : { fraction: share / 10, producer: target } };
    case "dependency-outage":
      return { at, for: lasts, outage: { dependency: target, mode: choice.detail < 50 ? "refuse" : "hang" } };
    case "dependency-slowdown":
      return { at, for: lasts, slowdown: { dependency: target, factor: 1 + choice.detail } };
    case "dependency-errors":
      return { at, for: lasts, errorBurst: { dependency: target, rate: share } };
  }
}

/**
 * For generated scenarios: a fault drawn before the scenario's components are known (targets as any number,
 * times as thousandths of the run), so that the scenario is one flat record that shrinks well. Sometimes
 * random (`every`, with `stableFor`) rather than scheduled.
 */
export interface FaultDraw {
  kind: FaultKindChoice;
  target: number;
  atPermille: number;
  forPermille: number;
  detail: number;
  everyPermille: number | null;
}

export function faultDrawArbitrary(kinds: readonly FaultKindChoice[]): fc.Arbitrary<FaultDraw> {
  return fc.record({
    kind: fc.constantFrom(...kinds),
    target: fc.nat({ max: 1000 }),
    atPermille: fc.integer({ min: 0, max: 999 }),
    forPermille: fc.integer({ min: 1, max: 1000 }),
    detail: fc.integer({ min: 0, max: 99 }),
    everyPermille: fc.option(fc.integer({ min: 1, max: 1000 }), { freq: 4 }),
  });
}

/** The drawn fault as a `faults:` entry of a scenario with these components and this duration. */
export function drawnFault(draw: FaultDraw, targets: FaultTargets, durationMs: number): Record<string, unknown> {
  const names = targetNames(draw.kind, targets);
  const choice: FaultChoice = {
    kind: draw.kind,
    target: draw.target % Math.max(1, names.length),
    atMs: Math.floor((draw.atPermille * durationMs) / 1000),
    forMs: Math.max(1, Math.floor((draw.forPermille * durationMs) / 1000)),
    detail: draw.detail,
  };
  const written = writeFault(choice, targets);
  if (draw.everyPermille === null || !("at" in written)) return written;
  const { at: _at, ...rest } = written;
  const everyMs = `${Math.max(1, Math.floor((draw.everyPermille * durationMs) / 1000))}ms`;
  return { ...rest, every: { dist: "exponential", mean: everyMs }, stableFor: everyMs };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
