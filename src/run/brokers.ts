import type { Broker } from "../brokers/broker.js";
import { profileNamed } from "../brokers/profiles.js";
import type { BrokerSpec } from "../brokers/registry.js";
import { consumerHeartbeat, servesPublishes } from "../brokers/registry.js";
import type { EventHandler } from "../engine/event-queue.js";
import type { Simulation } from "../engine/simulation.js";
import { Bookkeeper, type BookkeeperOptions } from "../model/bookkeeper.js";
import { DeliveryTable } from "../model/deliveries.js";
import { NullObserver } from "../model/observer.js";
import { PublisherGate } from "../model/publisher-gate.js";
import type { Distribution } from "../random/distributions.js";
import type { RandomStreams } from "../random/streams.js";
import { brokerOfGroup, declaresBrokers, MAIN_BROKER } from "../scenario/brokers.js";
import type { ParsedScenario } from "../scenario/schema.js";
import type { StageFlows } from "./flows.js";

/**
 * A second broker (docs/patterns.md, "A second broker"): each broker of `brokers:` is a whole profile
 * instance with its own bookkeeper, delivery table, flow-control gate, random streams (`broker:<name>:...`)
 * and intake (its own service time). Every broker sees the scenario's groups and consumer slots (profiles
 * index them by the run's numbering), but only messages addressed to the groups that live on it reach it:
 * producers publish to the main broker, and a stage's onward message goes to the broker its target group
 * lives on. Each consumer talks to its own group's broker only. A scenario without `brokers:` builds none
 * of this: `extraBrokersOf` returns null after one check.
 */
export interface ExtraBroker {
  name: string;
  profile: string;
  broker: Broker;
  bookkeeper: Bookkeeper;
  deliveries: DeliveryTable;
  /** How often a consumer of a group here heartbeats what it holds (the profile's client), or null. */
  heartbeatEvery: number | null;
}

export class ExtraBrokers {
  /** The brokers of `brokers:`, in the order written. */
  readonly list: ExtraBroker[];
  /** Per group: 0 for the main broker, i for the i-th of `list` (from 1). */
  readonly brokerOfGroup: Int32Array;

  constructor(list: ExtraBroker[], brokerOfGroup: Int32Array) {
    this.list = list;
    this.brokerOfGroup = brokerOfGroup;
  }

  /** The broker a group lives on, when it is not the main one; null for the main one. */
  homeOf(group: number): ExtraBroker | null {
    const index = this.brokerOfGroup[group]!;
    return index === 0 ? null : this.list[index - 1]!;
  }

  /**
   * The intake producers and stages send to: a producer's message goes to the main broker's `main`; a
   * stage's onward message to the intake of the broker its target group lives on.
   */
  router(main: EventHandler, flows: StageFlows, intakes: EventHandler[]): EventHandler {
    const brokerOfGroup = this.brokerOfGroup;
    return (message: number) => {
      const target = flows.targetOf(message);
      const index = target < 0 ? 0 : brokerOfGroup[target]!;
      (index === 0 ? main : intakes[index - 1]!)(message);
    };
  }

  /**
   * The lowest message an extra broker may still read or change (a `MessageHolder`): its open deliveries, what
   * it holds and what it may read besides, as the retirement asks of the main broker (src/run/retirement.ts).
   */
  oldestHeld(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const { broker, deliveries } of this.list) {
      oldest = Math.min(oldest, deliveries.oldestMessage(), broker.releaseRead?.() ?? Number.POSITIVE_INFINITY);
      broker.forEachHeld((message) => {
        if (message < oldest) oldest = message;
      });
    }
    return oldest;
  }

  /** Every (message, group) some extra broker still holds. */
  forEachHeld(visit: (message: number, group: number) => void): void {
    for (const extra of this.list) extra.broker.forEachHeld(visit);
  }
}

/** Each group's broker section: its own broker's for a group elsewhere, the main one's otherwise. */
export function brokerSectionsOfGroups(scenario: ParsedScenario): BrokerSpec[] {
  return brokerOfGroup(scenario).map((name) => (name === MAIN_BROKER ? scenario.broker : scenario.brokers![name]!));
}

/** What building the extra brokers needs from the run being built. */
export interface ExtraBrokerWiring {
  scenario: ParsedScenario;
  sim: Simulation;
  streams: RandomStreams;
  /** The main broker's bookkeeper options: the extra ones share its tables, slots, routing and observers. */
  bookkeeping: BookkeeperOptions;
}

/** The extra brokers of a scenario with `brokers:`; null (one check) without. */
export function extraBrokersOf(wiring: ExtraBrokerWiring): ExtraBrokers | null {
  const { scenario, streams, bookkeeping } = wiring;
  if (!declaresBrokers(scenario)) return null;
  const names = Object.keys(scenario.brokers!);
  const list = names.map((name): ExtraBroker => {
    const section = scenario.brokers![name]!;
    const deliveries = new DeliveryTable();
    const bookkeeper = new Bookkeeper({
      ...bookkeeping,
      deliveries,
      // Its flow control blocks no producer (they publish to the main broker) and stages do not wait for it.
      gate: new PublisherGate(new NullObserver(), wiring.sim),
      stream: (purpose) => streams.stream(`broker:${name}:${purpose}`),
      // Only stages publish here. A stage waits for no confirm (docs/patterns.md, "Flows") unless it writes
      // through an outbox, whose relay hears this broker's answers as it hears the main one's (onwardAnswered).
      confirmsWanted: bookkeeping.confirmsWanted,
    });
    const broker = profileNamed(section.profile).create(bookkeeper, section);
    const heartbeatEvery = consumerHeartbeat(section);
    return { name, profile: section.profile, broker, bookkeeper, deliveries, heartbeatEvery };
  });
  return new ExtraBrokers(list, placementOf(scenario));
}

/** A broker's intake, built by src/run/build.ts: its service time and the stream it draws from. */
export type IntakeBuilder = (broker: Broker, serviceTime: Distribution, stream: string) => EventHandler;

/** Each extra broker's intake, with its own service time drawn from `broker:<name>:service`. */
export function extraIntakes(extras: ExtraBrokers, scenario: ParsedScenario, build: IntakeBuilder): EventHandler[] {
  return extras.list.map((extra) => {
    const section = scenario.brokers![extra.name]!;
    const serviceTime: Distribution = servesPublishes(section) ? { dist: "constant", value: 0 } : section.serviceTime;
    return build(extra.broker, serviceTime, `broker:${extra.name}:service`);
  });
}

/** Per broker (main first, then `brokers:` as written): what it took, delivered and gave up, and its deepest queue. */
export interface BrokerTally {
  name: string;
  profile: string;
  groups: string[];
  /** Publishes it accepted (a producer's message on the main broker; onward messages wherever their target lives). */
  accepted: number;
  rejected: number;
  deliveries: number;
  redeliveries: number;
  deadLettered: number;
  dropped: number;
  /** Most messages waiting in any one of its groups' queues. */
  maxDepth: number;
}

/**
 * Counts the run's reports per broker. A group's reports (deliveries, dead letters, depths) belong to the
 * broker it lives on; a publish's acceptance to the broker its message was sent to. Built only with `brokers:`.
 */
export class BrokerTallies extends NullObserver {
  readonly tallies: BrokerTally[];

  constructor(
    scenario: ParsedScenario,
    private readonly brokerOfGroup: Int32Array,
    private readonly targetOf: (message: number) => number,
  ) {
    super();
    const names = [MAIN_BROKER, ...Object.keys(scenario.brokers ?? {})];
    const sections = [scenario.broker, ...Object.values(scenario.brokers ?? {})];
    this.tallies = names.map((name, index) => ({
      name,
      profile: sections[index]!.profile,
      groups: scenario.consumers.filter((_, group) => brokerOfGroup[group] === index).map((c) => c.group),
      ...{ accepted: 0, rejected: 0, deliveries: 0, redeliveries: 0, deadLettered: 0, dropped: 0, maxDepth: 0 },
    }));
  }

  private ofMessage(message: number): BrokerTally {
    const target = this.targetOf(message);
    return this.tallies[target < 0 ? 0 : this.brokerOfGroup[target]!]!;
  }

  override accepted(message: number): void {
    this.ofMessage(message).accepted++;
  }
  override rejected(message: number): void {
    this.ofMessage(message).rejected++;
  }
  override delivered(_message: number, group: number, _consumer: number, attempt: number): void {
    const tally = this.tallies[this.brokerOfGroup[group]!]!;
    tally.deliveries++;
    if (attempt > 1) tally.redeliveries++;
  }
  override deadLettered(_message: number, group: number): void {
    this.tallies[this.brokerOfGroup[group]!]!.deadLettered++;
  }
  override dropped(_message: number, group: number): void {
    this.tallies[this.brokerOfGroup[group]!]!.dropped++;
  }
  override depthChanged(group: number, depth: number): void {
    const tally = this.tallies[this.brokerOfGroup[group]!]!;
    if (depth > tally.maxDepth) tally.maxDepth = depth;
  }
}

/** The per-broker tally of a scenario with `brokers:` and stages; null (one check) otherwise. */
export function brokerTalliesOf(scenario: ParsedScenario, flows: StageFlows | null): BrokerTallies | null {
  if (!declaresBrokers(scenario) || flows === null) return null;
  return new BrokerTallies(scenario, placementOf(scenario), (message) => flows.targetOf(message));
}

/** Per group: 0 for the main broker, i for the i-th of `brokers:` (from 1). */
function placementOf(scenario: ParsedScenario): Int32Array {
  const names = Object.keys(scenario.brokers ?? {});
  return Int32Array.from(brokerOfGroup(scenario).map((name) => (name === MAIN_BROKER ? 0 : names.indexOf(name) + 1)));
}
