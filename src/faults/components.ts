import type { BrokerSectionBase } from "../brokers/profile.js";
import { profileNamed } from "../brokers/profiles.js";
import type { FaultSpec } from "./schema.js";
import type { LinkRef } from "./world.js";

/** What faults are checked against and resolved in: the components a (parsed) scenario declares, and its faults. */
export interface FaultScope {
  consumers: readonly { group: string; instances: number }[];
  producers: readonly { name: string; instances: number }[];
  broker: BrokerSectionBase;
  /** Further brokers by name (`brokers:`); absent in a scenario with one broker. */
  brokers?: Readonly<Record<string, BrokerSectionBase>> | undefined;
  faults: readonly FaultSpec[];
  /** The scenario's dependencies by name (src/patterns). */
  dependencies?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The scenario's components as faults name them, listed once: what target
 * checks offer as valid names, and what normalization resolves names to.
 * Indices are those of the run: consumer and producer instances in the order
 * the scenario lists them, broker nodes from 0.
 */
export interface Components {
  /** Consumer groups by index. */
  groups: string[];
  /** Consumer instance names (billing/2) by consumer index. */
  consumers: string[];
  /** The group of each consumer instance. */
  groupOfConsumer: number[];
  /** Producer names as written (checkout). */
  producers: string[];
  /** Producer instance names (checkout#1) by producer index. */
  producerInstances: string[];
  /** The written producer of each producer instance. */
  producerOfInstance: number[];
  /** The broker profile, for messages. */
  profile: string;
  /** Dependency names, in the order the scenario declares them. */
  dependencies: string[];
  /** Broker nodes a fault may crash one at a time (broker/1 ...), or null: the profile is one node, `broker`. */
  brokerNodes: number | null;
  /**
   * The scenario's brokers as a broker crash names them: `main` (the broker: section), then the names in
   * `brokers:` as written; index 0 is the main broker. Only with `brokers:`; otherwise just ["main"].
   */
  brokerNames: string[];
  /** Per broker in `brokerNames`: its profile, and its nodes as `brokerNodes` counts them. */
  brokerProfiles: { profile: string; nodes: number | null }[];
}

export function componentsOf(scenario: FaultScope): Components {
  const consumers = scenario.consumers.flatMap((c) =>
    Array.from({ length: c.instances }, (_, i) => `${c.group}/${i + 1}`),
  );
  const producerInstances = scenario.producers.flatMap((p) =>
    Array.from({ length: p.instances }, (_, i) => `${p.name}#${i + 1}`),
  );
  const definition = profileNamed(scenario.broker.profile);
  return {
    groups: scenario.consumers.map((c) => c.group),
    consumers,
    groupOfConsumer: scenario.consumers.flatMap((c, group) => Array<number>(c.instances).fill(group)),
    producers: scenario.producers.map((p) => p.name),
    producerInstances,
    producerOfInstance: scenario.producers.flatMap((p, producer) => Array<number>(p.instances).fill(producer)),
    profile: scenario.broker.profile,
    dependencies: Object.keys(scenario.dependencies ?? {}),
    brokerNodes: definition.nodes === undefined ? null : definition.nodes(scenario.broker),
    brokerNames: ["main", ...Object.keys(scenario.brokers ?? {})],
    brokerProfiles: [scenario.broker, ...Object.values(scenario.brokers ?? {})].map((section) => {
      const profile = profileNamed(section.profile);
      return { profile: section.profile, nodes: profile.nodes === undefined ? null : profile.nodes(section) };
    }),
  };
}

/** Valid consumer targets: every group, every instance, and group/* for each group. */
export function consumerTargetNames(components: Components): string[] {
  const { groups, consumers } = components;
  return [...groups, ...consumers, ...groups.map((g) => `${g}/*`)];
}

/** Valid producer targets: every producer and every producer instance. */
export function producerTargetNames(components: Components): string[] {
  return [...components.producers, ...components.producerInstances];
}

/** Everything a link side or a partition may name, except the broker and `*`. */
export function clientNames(components: Components): string[] {
  const { groups, consumers } = components;
  return [...groups, ...consumers, ...producerTargetNames(components)];
}

/** Consumers a target hits: each instance it names, or one instance that is up, picked at random per occurrence. */
export interface ConsumerTarget {
  consumers: number[];
  pickOneUp: boolean;
}

/** billing/2 (an instance), billing (every instance) or billing/* (one up instance at random). */
export function consumerTarget(components: Components, target: string): ConsumerTarget {
  if (target.endsWith("/*")) {
    const group = components.groups.indexOf(target.slice(0, -2));
    return { consumers: instancesWhere(components.groupOfConsumer, (g) => g === group), pickOneUp: true };
  }
  return { consumers: consumersNamed(components, target), pickOneUp: false };
}

/** Consumer instances a name covers: the instance itself, or every instance of the group. */
export function consumersNamed(components: Components, name: string): number[] {
  const { consumers, groups, groupOfConsumer } = components;
  return instancesWhere(consumers, (instance, index) => instance === name || groups[groupOfConsumer[index]!] === name);
}

/** Producer instances a name covers: the instance itself, or every instance of the producer. */
export function producersNamed(components: Components, name: string): number[] {
  const { producers, producerInstances, producerOfInstance } = components;
  return instancesWhere(
    producerInstances,
    (instance, index) => instance === name || producers[producerOfInstance[index]!] === name,
  );
}

/** One side of a link as written: `broker`, `*`, or a producer or consumer name. */
export interface EndpointSet {
  broker: boolean;
  consumers: ReadonlySet<number>;
  producers: ReadonlySet<number>;
}

export function endpointSet(components: Components, pattern: string): EndpointSet {
  if (pattern === "*") {
    const all = (names: string[]) => new Set(names.keys());
    return { broker: true, consumers: all(components.consumers), producers: all(components.producerInstances) };
  }
  return {
    broker: pattern === "broker",
    consumers: new Set(consumersNamed(components, pattern)),
    producers: new Set(producersNamed(components, pattern)),
  };
}

/**
 * The links from one endpoint set to another, in the order the run builds
 * them: for each consumer, then each producer, the link from the broker and
 * the link to it.
 */
export function linksBetween(components: Components, from: EndpointSet, to: EndpointSet): LinkRef[] {
  const links: LinkRef[] = [];
  const add = (client: LinkRef["client"], count: number, member: (set: EndpointSet) => ReadonlySet<number>) => {
    for (let index = 0; index < count; index++) {
      if (from.broker && member(to).has(index)) links.push({ client, index, direction: "from-broker" });
      if (member(from).has(index) && to.broker) links.push({ client, index, direction: "to-broker" });
    }
  };
  add("consumer", components.consumers.length, (set) => set.consumers);
  add("producer", components.producerInstances.length, (set) => set.producers);
  return links;
}

function instancesWhere<T>(values: readonly T[], test: (value: T, index: number) => boolean): number[] {
  const indices: number[] = [];
  values.forEach((value, index) => {
    if (test(value, index)) indices.push(index);
  });
  return indices;
}
