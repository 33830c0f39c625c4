import type { Broker, BrokerFailure } from "../brokers/broker.js";
import { Priority, type Simulation } from "../engine/simulation.js";
import type { Consumer } from "../model/consumer.js";
import type { MessageTable } from "../model/messages.js";
import type { Link } from "../model/network.js";
import type { RunObserver } from "../model/observer.js";
import type { Producer } from "../model/producer.js";
import { samplerFor } from "../random/distributions.js";
import type { RandomStreams, Rng } from "../random/streams.js";
import type { CrashFaultSpec, FaultSpec, StopFaultSpec } from "./schema.js";

/** One fault as it happened: what, to whom, when, and what it did. Times in microseconds. */
export interface FaultOccurrence {
  /** Index of the fault in the scenario's `faults` list. */
  fault: number;
  kind:
    | "consumer-crash"
    | "consumer-stop"
    | "broker-crash"
    | "producer-crash"
    | "slow-consumer"
    | "latency"
    | "duplicate"
    | "loss"
    | "partition"
    | "poison";
  target: string;
  start: number;
  end: number;
  effects: Record<string, number>;
}

/** What faults act on: the parts of a built run they reach, and nothing else. */
export interface FaultWorld {
  scenario: { duration: number; faults: readonly FaultSpec[] };
  sim: Simulation;
  streams: RandomStreams;
  messages: MessageTable;
  deliveries: { readonly inFlight: number };
  observer: RunObserver;
  broker: Broker;
  producers: readonly Producer[];
  consumers: readonly Consumer[];
  links: readonly Link[];
  groupNames: readonly string[];
}

/**
 * Turns the scenario's fault list into events. Every fault ends by the
 * scenario's `duration`: crashed components restart and windows close, so the
 * drain that follows shows what was lost rather than what was still stuck.
 * Random choices (when, which instance) come from per-fault streams.
 */
export class FaultInjector {
  readonly occurrences: FaultOccurrence[] = [];
  private readonly healers: (() => void)[] = [];
  /** The scenario's duration has passed: anything that ends from now on ends at once. */
  private healed = false;

  constructor(private readonly world: FaultWorld) {}

  start(): void {
    const { scenario, sim } = this.world;
    if (scenario.faults.length === 0) return;
    scenario.faults.forEach((fault, index) => {
      this.plan(fault, index);
    });
    sim.at(scenario.duration, () => this.healAll(), 0, Priority.control);
  }

  /** Poison counts are only known at the end. */
  finish(): void {
    for (const occurrence of this.occurrences) {
      if (occurrence.kind !== "poison") continue;
      let poisoned = 0;
      const { messages } = this.world;
      for (let id = 0; id < messages.count; id++) poisoned += messages.poison[id]!;
      occurrence.effects.poisonMessages = poisoned;
    }
  }

  private plan(fault: FaultSpec, index: number): void {
    if ("poison" in fault) {
      const target = fault.poison.producer ?? "*";
      this.occurrences.push({
        fault: index,
        kind: "poison",
        target,
        start: 0,
        end: this.world.scenario.duration,
        effects: {},
      });
      return;
    }
    const streams = this.world.streams;
    const every = fault.every === undefined ? null : samplerFor(fault.every, streams.stream(`fault:${index}:every`));
    const pick = streams.stream(`fault:${index}:target`);
    const firstAt = (fault.at ?? 0) + (every ? Math.round(every()) : 0);
    const begin = (at: number): void => {
      // Strictly later than now, so faults whose windows and waits are all zero cannot spin at one instant.
      at = Math.max(at, this.world.sim.now + (every ? 1 : 0));
      if (at >= this.world.scenario.duration) return;
      this.world.sim.at(
        at,
        () =>
          this.begin(fault, index, pick, (endedAt) => {
            if (every) begin(endedAt + Math.max(fault.stableFor, Math.round(every())));
          }),
        0,
        Priority.control,
      );
    };
    begin(firstAt);
  }

  /** Starts one occurrence; `onEnd` receives the time it ended. */
  private begin(
    fault: Exclude<FaultSpec, { poison: unknown }>,
    index: number,
    pick: Rng,
    onEnd: (at: number) => void,
  ): void {
    const { sim, scenario } = this.world;
    let ended = false;
    // With several targets, the first to recover starts the wait for the next random fault.
    const endOnce = (at: number): void => {
      if (ended) return;
      ended = true;
      onEnd(at);
    };
    const now = sim.now;
    const occurrence = (kind: FaultOccurrence["kind"], target: string): FaultOccurrence => {
      const start = sim.now;
      const record: FaultOccurrence = { fault: index, kind, target, start, end: scenario.duration, effects: {} };
      this.occurrences.push(record);
      this.world.observer.fault(kind, target, true, start);
      return record;
    };
    const closeAt = (record: FaultOccurrence, at: number, undo: () => void): void => {
      let done = false;
      const end = (): void => {
        if (done) return;
        done = true;
        record.end = sim.now;
        this.world.observer.fault(record.kind, record.target, false, sim.now);
        undo();
        endOnce(sim.now);
      };
      // A clean stop can finish draining after the heal: then its consumer restarts at once.
      if (this.healed) {
        sim.at(sim.now, end, 0, Priority.control);
        return;
      }
      this.healers.push(end);
      if (at < scenario.duration) sim.at(at, end, 0, Priority.control);
    };

    if ("crash" in fault && fault.crash === "broker" && fault.target?.startsWith("broker/")) {
      // One node of a cluster (broker/2 is node 1): the others go on serving.
      const node = Number(fault.target.slice("broker/".length)) - 1;
      const record = occurrence("broker-crash", fault.target);
      this.world.broker.crash(brokerFailure(fault.mode), node);
      closeAt(record, now + (fault.restartAfter ?? scenario.duration), () => this.world.broker.restart(node));
    } else if ("crash" in fault && fault.crash === "broker") {
      const record = occurrence("broker-crash", "broker");
      record.effects.deliveriesOpen = this.world.deliveries.inFlight;
      this.world.broker.crash(brokerFailure(fault.mode));
      closeAt(record, now + (fault.restartAfter ?? scenario.duration), () => this.world.broker.restart());
    } else if ("crash" in fault && fault.crash === "producer") {
      const target = fault.target ?? "";
      const producers = this.world.producers.filter(
        (p) => p.options.name === target || p.options.name.startsWith(`${target}#`),
      );
      for (const producer of producers) {
        const record = occurrence("producer-crash", producer.options.name);
        record.effects.outcomesUnknown = producer.crash();
        this.world.broker.producerDown?.(producer.options.index);
        closeAt(record, now + (fault.restartAfter ?? scenario.duration), () => {
          producer.restart();
          this.world.broker.producerUp?.(producer.options.index);
        });
      }
      if (producers.length === 0) endOnce(now);
    } else if ("crash" in fault) {
      const targets = this.consumersFor(fault.target ?? "", pick);
      // With nobody up to crash, a random fault tries again after its usual wait.
      if (targets.length === 0) endOnce(now);
      for (const consumer of targets) {
        this.crashConsumer(consumer, fault, occurrence, closeAt);
      }
    } else if ("stop" in fault) {
      const targets = this.consumersFor(fault.target, pick).filter((c) => c.isUp && !c.isStopping);
      if (targets.length === 0) endOnce(now);
      for (const consumer of targets) this.stopConsumer(consumer, fault, occurrence, closeAt);
    } else if ("slow" in fault) {
      const targets = this.consumersFor(fault.slow.target, pick);
      if (targets.length === 0) endOnce(now);
      for (const consumer of targets) {
        const record = occurrence("slow-consumer", consumer.options.name);
        record.effects.factor = fault.slow.factor;
        consumer.slowdown = fault.slow.factor;
        closeAt(record, now + fault.for, () => {
          consumer.slowdown = 1;
        });
      }
    } else if ("latency" in fault) {
      const [from, to] = fault.latency.link.split("->") as [string, string];
      const links = this.world.links.filter((link) => link.matches(from.trim(), to.trim()));
      const rng = this.world.streams.stream(`fault:${index}:latency@${now}`);
      // Each occurrence starts at a later instant (see plan), so these stream names never repeat.
      const { add, jitter } = fault.latency;
      const extra = samplerFor({ dist: "uniform", min: add, max: add + jitter }, rng);
      const record = occurrence("latency", fault.latency.link);
      record.effects.links = links.length;
      for (const link of links) link.extraDelay = extra;
      closeAt(record, now + fault.for, () => {
        for (const link of links) link.extraDelay = null;
      });
    } else if ("partition" in fault) {
      const side = fault.partition.between.map((s) => s.trim()).find((s) => s !== "broker") ?? "";
      const links = this.world.links.filter((link) => link.matches("broker", side) || link.matches(side, "broker"));
      const cut = this.consumersFor(side, pick).filter((consumer) => consumer.isUp);
      const record = occurrence("partition", `broker|${side}`);
      const before = links.reduce((sum, link) => sum + link.lost, 0);
      for (const link of links) link.loss = { probability: 1, rng: () => 0 };
      for (const consumer of cut) consumer.disconnect();
      closeAt(record, now + fault.for, () => {
        for (const link of links) link.loss = null;
        for (const consumer of cut) consumer.reconnect();
        record.effects.messagesLost = links.reduce((sum, link) => sum + link.lost, 0) - before;
      });
    } else if ("loss" in fault) {
      const [from, to] = fault.loss.link.split("->").map((side) => side.trim()) as [string, string];
      const links = this.world.links.filter((link) => link.matches(from, to));
      const rng = this.world.streams.stream(`fault:${index}:loss@${now}`);
      const before = links.reduce((sum, link) => sum + link.lost, 0);
      const record = occurrence("loss", fault.loss.link);
      for (const link of links) link.loss = { probability: fault.loss.probability, rng };
      closeAt(record, now + fault.for, () => {
        for (const link of links) link.loss = null;
        record.effects.messagesLost = links.reduce((sum, link) => sum + link.lost, 0) - before;
      });
    } else if ("duplicate" in fault) {
      const target = fault.duplicate.target;
      const links = this.world.links.filter(
        (link) => link.from.kind === "broker" && link.matches("broker", target === "broker" ? "*" : target),
      );
      const rng = this.world.streams.stream(`fault:${index}:duplicate@${now}`);
      const before = sumDuplicated(links);
      const record = occurrence("duplicate", target);
      for (const link of links) link.duplicate = { probability: fault.duplicate.probability, rng };
      closeAt(record, now + fault.for, () => {
        for (const link of links) link.duplicate = null;
        record.effects.duplicatedDeliveries = sumDuplicated(links) - before;
      });
    }
  }

  private crashConsumer(
    consumer: Consumer,
    { point, mode, restartAfter }: CrashFaultSpec,
    occurrence: (kind: FaultOccurrence["kind"], target: string) => FaultOccurrence,
    closeAt: (record: FaultOccurrence, at: number, undo: () => void) => void,
  ): void {
    const { sim, scenario } = this.world;
    consumer.armCrash(point, mode === "process" ? "closed" : "silent", (held) => {
      const record = occurrence("consumer-crash", consumer.options.name);
      record.effects.deliveriesHeld = held;
      closeAt(record, sim.now + (restartAfter ?? scenario.duration), () => consumer.restart());
    });
    // A crash point never reached before the end of the run is disarmed by the heal.
    this.healers.push(() => consumer.disarmCrash());
  }

  /**
   * A clean stop: the consumer drains, then closes (or is killed when the
   * grace period runs out) and stays down for `restartAfter` from then.
   */
  private stopConsumer(
    consumer: Consumer,
    fault: StopFaultSpec,
    occurrence: (kind: FaultOccurrence["kind"], target: string) => FaultOccurrence,
    closeAt: (record: FaultOccurrence, at: number, undo: () => void) => void,
  ): void {
    const { sim, scenario } = this.world;
    const record = occurrence("consumer-stop", consumer.options.name);
    record.effects.deliveriesInProgress = consumer.inProgress;
    const restart = (): void => {
      closeAt(record, sim.now + (fault.restartAfter ?? scenario.duration), () => consumer.restart());
    };
    consumer.stop(fault.gracePeriod, {
      closed: (unstarted) => {
        record.effects.deliveriesReturned = unstarted;
        record.effects.killed = 0;
        restart();
      },
      killed: (held) => {
        record.effects.killed = 1;
        record.effects.deliveriesHeld = held;
        restart();
      },
    });
  }

  /** Resolves a target: an instance (billing/2), a whole group (billing), or one up instance at random (billing/*). */
  private consumersFor(target: string, pick: Rng): Consumer[] {
    const consumers = this.world.consumers;
    if (target.endsWith("/*")) {
      const group = target.slice(0, -2);
      const candidates = consumers.filter((c) => this.world.groupNames[c.options.group] === group && c.isUp);
      if (candidates.length === 0) return [];
      return [candidates[Math.floor(pick() * candidates.length)]!];
    }
    return consumers.filter((c) => c.options.name === target || this.world.groupNames[c.options.group] === target);
  }

  private healAll(): void {
    this.healed = true;
    for (const heal of this.healers.splice(0)) heal();
  }
}

/** A hang is refused for brokers by the schema; what is left is whether the host survived. */
function brokerFailure(mode: CrashFaultSpec["mode"]): BrokerFailure {
  return mode === "host" ? "host" : "process";
}

function sumDuplicated(links: Link[]): number {
  return links.reduce((sum, link) => sum + link.duplicated, 0);
}
