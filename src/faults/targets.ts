import type { FaultSpec } from "./schema.js";

/** What fault targets are checked against: the components a scenario declares. */
export interface FaultScope {
  consumers: readonly { group: string; instances: number }[];
  producers: readonly { name: string; instances: number }[];
  broker: { profile: string };
  faults: readonly FaultSpec[];
}

export interface TargetProblem {
  path: (string | number)[];
  message: string;
  /** Names that would have been valid, for "did you mean". */
  candidates: string[];
}

/**
 * Checks that every fault names components the scenario has: a consumer
 * instance (billing/2), group (billing) or random pick (billing/*), a
 * producer, or the broker. Run after the schema, on the parsed scenario.
 */
export function faultTargetProblems(scenario: FaultScope): TargetProblem[] {
  const groups = scenario.consumers.map((c) => c.group);
  const instances = scenario.consumers.flatMap((c) =>
    Array.from({ length: c.instances }, (_, i) => `${c.group}/${i + 1}`),
  );
  const consumerTargets = [...groups, ...instances, ...groups.map((g) => `${g}/*`)];
  const producers = scenario.producers.map((p) => p.name);
  const producerInstances = scenario.producers.flatMap((p) =>
    Array.from({ length: p.instances }, (_, i) => `${p.name}#${i + 1}`),
  );
  const endpoints = ["broker", "*", ...groups, ...instances, ...producers, ...producerInstances];
  const problems: TargetProblem[] = [];
  const expect = (path: (string | number)[], value: string, allowed: string[], what: string) => {
    if (!allowed.includes(value)) problems.push({ path, message: `"${value}" is not ${what}`, candidates: allowed });
  };
  scenario.faults.forEach((fault, index) => {
    const at = ["faults", index];
    if ("crash" in fault && fault.crash === "consumer" && fault.target !== undefined) {
      expect([...at, "target"], fault.target, consumerTargets, "a consumer group, instance or group/*");
    } else if ("crash" in fault && fault.crash === "broker" && fault.target?.startsWith("broker/")) {
      problems.push(...brokerNodeProblems(scenario, [...at, "target"], fault.target));
    } else if ("crash" in fault && fault.crash === "producer" && fault.target !== undefined) {
      expect([...at, "target"], fault.target, [...producers, ...producerInstances], "a producer or producer instance");
    } else if ("partition" in fault) {
      const sides = fault.partition.between.map((side) => side.trim());
      const other = sides.find((side) => side !== "broker");
      const reachable = [...groups, ...instances, ...producers, ...producerInstances];
      if (!sides.includes("broker") || other === undefined) {
        problems.push({
          path: [...at, "partition", "between"],
          message: "a partition separates the broker from a producer or consumer: [broker, billing]",
          candidates: [],
        });
      } else {
        expect([...at, "partition", "between"], other, reachable, "a producer or consumer group or instance");
      }
    } else if ("loss" in fault) {
      const sides = fault.loss.link.split("->").map((side) => side.trim());
      const producerEnd = [...producers, ...producerInstances];
      const valid = sides.length === 2 && sides.includes("broker") && sides.some((side) => producerEnd.includes(side));
      if (!valid) {
        problems.push({
          path: [...at, "loss", "link"],
          message: `"${fault.loss.link}" is not a link between a producer and the broker (e.g. checkout->broker)`,
          candidates: [],
        });
      }
    } else if ("stop" in fault) {
      expect([...at, "target"], fault.target, consumerTargets, "a consumer group, instance or group/*");
    } else if ("slow" in fault) {
      expect([...at, "slow", "target"], fault.slow.target, consumerTargets, "a consumer group, instance or group/*");
    } else if ("duplicate" in fault) {
      expect(
        [...at, "duplicate", "target"],
        fault.duplicate.target,
        ["broker", ...groups, ...instances],
        "broker or a consumer group or instance",
      );
    } else if ("poison" in fault && fault.poison.producer !== undefined) {
      expect([...at, "poison", "producer"], fault.poison.producer, producers, "a producer");
    } else if ("latency" in fault) {
      const sides = fault.latency.link.split("->");
      if (sides.length !== 2) {
        problems.push({
          path: [...at, "latency", "link"],
          message: 'a link is written "from->to", e.g. broker->billing',
          candidates: [],
        });
      } else {
        for (const side of sides)
          expect(
            [...at, "latency", "link"],
            side.trim(),
            endpoints,
            "a component (broker, a producer, a group or an instance)",
          );
      }
    }
  });
  return problems;
}

/**
 * A broker crash aimed at one node (broker/2, 1-based like consumer
 * instances) needs a profile that models several nodes: only kafka, with its
 * `brokers` count. Every other profile is one node, named `broker`.
 */
function brokerNodeProblems(scenario: FaultScope, path: (string | number)[], target: string): TargetProblem[] {
  const section = scenario.broker as { profile: string; brokers?: number };
  const nodes = section.brokers ?? 1;
  // Highest first: a node past the end is most likely meant as the last one.
  const names = [...Array.from({ length: nodes }, (_, i) => `broker/${nodes - i}`), "broker"];
  if (section.profile !== "kafka") {
    const message = `"${target}": profile ${section.profile} models a single broker node; crash it with target broker (or no target)`;
    return [{ path, message, candidates: ["broker"] }];
  }
  if (names.includes(target)) return [];
  const message = `"${target}" is not a broker of this cluster: broker.brokers is ${nodes}, so broker/1 to broker/${nodes}`;
  return [{ path, message, candidates: names }];
}
