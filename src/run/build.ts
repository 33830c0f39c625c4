import type { Broker, BrokerContext, ConsumerSlot, RoutingTable } from "../brokers/broker.js";
import { consumerCapacity, consumerHeartbeat, createBroker, producerClientFactory } from "../brokers/registry.js";
import { Simulation } from "../engine/simulation.js";
import { normalizeFaults } from "../faults/normalize.js";
import type { Fault } from "../faults/registry.js";
import type { FaultWorld, LinkRef } from "../faults/world.js";
import { MetricsRecorder } from "../metrics/recorder.js";
import { Consumer } from "../model/consumer.js";
import { DeliveryTable } from "../model/deliveries.js";
import { EffectLedger } from "../model/effects.js";
import { IdempotencyGuard } from "../model/idempotency.js";
import { Fate, MessageTable, PublishOutcome } from "../model/messages.js";
import { type Endpoint, Link } from "../model/network.js";
import { ObserverFanout, ObserverPair, type RunObserver } from "../model/observer.js";
import { Producer } from "../model/producer.js";
import { BlockedProducers } from "../model/producer-client.js";
import { PublisherGate } from "../model/publisher-gate.js";
import { ArrivalProcess } from "../random/arrivals.js";
import { type Distribution, isAlwaysZero, type Sampler, samplerFor } from "../random/distributions.js";
import { keyPickerFor } from "../random/keys.js";
import { priorityPickerFor } from "../random/priorities.js";
import { routingKeyPickerFor, routingKeysOf } from "../random/routing-keys.js";
import { RandomStreams } from "../random/streams.js";
import { arrivalSchedule } from "../scenario/arrival-schedule.js";
import { keyChoice, type ParsedScenario } from "../scenario/schema.js";
import { componentNames } from "./names.js";

/** Everything one run is made of, wired together and ready to start. */
export interface World {
  scenario: ParsedScenario;
  sim: Simulation;
  streams: RandomStreams;
  messages: MessageTable;
  deliveries: DeliveryTable;
  metrics: MetricsRecorder;
  observer: RunObserver;
  gate: PublisherGate;
  broker: Broker;
  producers: Producer[];
  consumers: Consumer[];
  /** Each consumer's and producer instance's links, by instance index. */
  clientLinks: { consumer: ClientLinks[]; producer: ClientLinks[] };
  groupNames: string[];
  /** The scenario's faults, normalized: targets resolved to the indices above. */
  faults: Fault[];
}

/** The two links between the broker and one client instance. */
export interface ClientLinks {
  fromBroker: Link;
  toBroker: Link;
}

/**
 * Expands the scenario into components. Every random draw comes from a stream
 * named after its component and purpose (`producer:checkout#1:arrivals`), so
 * adding a component leaves every other component's draws unchanged.
 */
export function buildWorld(scenario: ParsedScenario, extraObservers: readonly RunObserver[] = []): World {
  const sim = new Simulation();
  const streams = new RandomStreams(scenario.seed);
  const faults = normalizeFaults(scenario);
  const groupNames = scenario.consumers.map((c) => c.group);
  const messages = new MessageTable(groupNames.length, expectedMessages(scenario));
  const deliveries = new DeliveryTable();
  const guards = scenario.consumers.map((c) => new IdempotencyGuard(c.idempotency));
  const metrics = new MetricsRecorder(
    messages,
    guards.map((g) => g.repeatsMatter),
    resolvedWarmup(scenario),
    scenario.duration,
  );
  const observer: RunObserver =
    extraObservers.length === 0
      ? metrics
      : extraObservers.length === 1
        ? new ObserverPair(metrics, extraObservers[0]!)
        : new ObserverFanout([metrics, ...extraObservers]);
  const gate = new PublisherGate(observer, sim);
  const sampler = (distribution: Distribution, stream: string): Sampler =>
    samplerFor(distribution, streams.stream(stream));
  const link = (from: Endpoint, to: Endpoint): Link => {
    const name = `${endpointName(from)}->${endpointName(to)}`;
    const latency = isAlwaysZero(scenario.network.latency) ? null : sampler(scenario.network.latency, `link:${name}`);
    return new Link(sim, latency, from, to);
  };
  const brokerEnd: Endpoint = { kind: "broker" };

  const consumers: Consumer[] = [];
  const producers: Producer[] = [];
  const toProducer: Link[] = [];
  const clientLinks: World["clientLinks"] = { consumer: [], producer: [] };
  const appendFirst = (message: number): void => {
    messages.acceptedAt[message] = sim.now;
    messages.recordAccepted(message);
  };
  const acceptFirst = (message: number): void => {
    // A record of a transaction was stored (and ordered) when appended; it is accepted when the transaction commits.
    if (messages.acceptOrder[message]! < 0) appendFirst(message);
    messages.outcome[message] = PublishOutcome.accepted;
    observer.accepted(message, sim.now);
  };
  /** Sends the confirm (or nack) back to a producer that listens for them. */
  // Confirms travel back only to producers with a publish timeout or a client library that wants them.
  const clientFactory = producerClientFactory(scenario.broker);
  const anyTracksConfirms = clientFactory !== null || scenario.producers.some((p) => p.publish.timeout !== null);
  const confirmTo = (message: number, accepted: boolean): void => {
    if (!anyTracksConfirms) return;
    const index = messages.producer[message]!;
    const producer = producers[index];
    if (!producer?.tracksConfirms) return;
    toProducer[index]!.send(accepted ? producer.onConfirm : producer.onNack, message);
  };
  const slots: ConsumerSlot[] = [];
  const toConsumer: Link[] = [];
  const incarnations = new Int32Array(scenario.consumers.reduce((sum, c) => sum + c.instances, 0));
  const groupOfConsumer = scenario.consumers.flatMap((spec, group) => Array<number>(spec.instances).fill(group));
  const effects = new EffectLedger(messages, observer, groupOfConsumer, groupNames.length);
  const context: BrokerContext = {
    sim,
    messages,
    deliveries,
    observer,
    gate,
    groupCount: groupNames.length,
    consumers: slots,
    incarnations,
    stream: (purpose) => streams.stream(`broker:${purpose}`),
    names: componentNames(scenario),
    effects,
    routing: routingTable(scenario),
    notRouted(message, group) {
      messages.fate[group]![message] = Fate.notRouted;
    },
    accept(message) {
      // A retried publish of a message already taken: the broker takes it again (no deduplication here).
      if (messages.outcome[message] === PublishOutcome.accepted) metrics.counts.republished++;
      else acceptFirst(message);
      messages.copies[message] = Math.min(255, messages.copies[message]! + 1);
      confirmTo(message, true);
    },
    appendTentatively(message) {
      if (messages.acceptOrder[message]! < 0) appendFirst(message);
    },
    confirmDuplicate(message) {
      metrics.counts.deduplicated++;
      confirmTo(message, true);
    },
    reject(message) {
      if (messages.outcome[message] !== PublishOutcome.accepted) {
        messages.outcome[message] = PublishOutcome.rejected;
        observer.rejected(message, sim.now);
      }
      confirmTo(message, false);
    },
    refuse(message) {
      confirmTo(message, false);
    },
    deliver(message, consumer) {
      const group = slots[consumer]!.group;
      const delivery = deliveries.open(message, consumer, incarnations[consumer]!, sim.now);
      // Each accepted copy's first delivery is not a redelivery: count attempts beyond the copies. A record of an
      // open or aborted transaction is one stored copy, though not accepted.
      const copies = Math.max(1, messages.copies[message]!);
      const attempt = Math.max(1, messages.recordDelivery(message, group) - copies + 1);
      observer.delivered(message, group, consumer, attempt, sim.now - messages.acceptedAt[message]!, sim.now);
      toConsumer[consumer]!.send(consumers[consumer]!.receive, delivery);
      return delivery;
    },
    deadLetter(message, group, reason) {
      messages.fate[group]![message] = Fate.deadLettered;
      observer.deadLettered(message, group, reason, sim.now);
    },
    drop(message, group, reason) {
      messages.fate[group]![message] = Fate.dropped;
      observer.dropped(message, group, reason, sim.now);
    },
  };

  scenario.consumers.forEach((spec, group) => {
    for (let instance = 0; instance < spec.instances; instance++) {
      slots.push({ index: slots.length, group, capacity: consumerCapacity(scenario.broker, spec.concurrency) });
    }
  });
  // The broker sees the consumer slots at construction; consumers are created next and call it directly.
  const broker = createBroker(scenario.broker, context);
  const heartbeatEvery = consumerHeartbeat(scenario.broker);
  scenario.consumers.forEach((spec, group) => {
    for (let instance = 1; instance <= spec.instances; instance++) {
      const name = `${spec.group}/${instance}`;
      const index = consumers.length;
      const endpoint: Endpoint = { kind: "consumer", group: spec.group, instance: name };
      const links = { fromBroker: link(brokerEnd, endpoint), toBroker: link(endpoint, brokerEnd) };
      clientLinks.consumer.push(links);
      toConsumer.push(links.fromBroker);
      const options = {
        index,
        group,
        name,
        concurrency: spec.concurrency,
        processing: sampler(spec.processing, `consumer:${name}:processing`),
        idempotency: guards[group]!,
      };
      const wiring = {
        sim,
        messages,
        deliveries,
        observer,
        effects,
        toBroker: links.toBroker,
        broker,
        incarnations,
        heartbeatEvery,
      };
      consumers.push(new Consumer(options, wiring));
    }
  });

  const publishHandler = brokerIngress(sim, broker, gate, scenario.broker.serviceTime, streams);
  const blockedProducers = new BlockedProducers(observer, sim);
  scenario.producers.forEach((spec, producer) => {
    for (let instance = 1; instance <= spec.instances; instance++) {
      const name = `${spec.name}#${instance}`;
      const endpoint: Endpoint = { kind: "producer", name: spec.name, instance: name };
      const options = {
        index: producers.length,
        name,
        arrivals: new ArrivalProcess(arrivalSchedule(spec), streams.stream(`producer:${name}:arrivals`)),
        pickKey: keyPickerFor(keyChoice(spec.keys), streams.stream(`producer:${name}:keys`)),
        sampleSize: sampler(spec.size, `producer:${name}:size`),
        isPoison: poisonDecider(faults, producer, name, streams),
        // Its own stream, so giving a producer priorities leaves every other draw of the run unchanged.
        ...(spec.priority === undefined
          ? {}
          : { pickPriority: priorityPickerFor(spec.priority, streams.stream(`producer:${name}:priority`)) }),
        ...(spec.routingKey === undefined
          ? {}
          : {
              pickRoutingKey: routingKeyPickerFor(spec.routingKey, streams.stream(`producer:${name}:routing-key`)),
            }),
        stopAt: scenario.duration,
        limit: spec.limit ?? Number.POSITIVE_INFINITY,
        publish: spec.publish,
      };
      const links = { fromBroker: link(brokerEnd, endpoint), toBroker: link(endpoint, brokerEnd) };
      clientLinks.producer.push(links);
      toProducer.push(links.fromBroker);
      const client =
        clientFactory === null
          ? null
          : {
              create: clientFactory,
              blocked: blockedProducers,
              stream: (purpose: string) => streams.stream(`producer:${name}:${purpose}`),
            };
      const wiring = { sim, messages, observer, gate, toBroker: links.toBroker, publishHandler, client };
      producers.push(new Producer(options, wiring));
    }
  });
  return {
    scenario,
    sim,
    streams,
    messages,
    deliveries,
    metrics,
    observer,
    gate,
    broker,
    producers,
    consumers,
    clientLinks,
    groupNames,
    faults,
  };
}

/** What the fault injector may act on, out of everything the run is made of. */
export function faultWorldOf(world: World): FaultWorld {
  const { sim, streams, observer, broker, deliveries, messages, consumers, producers, clientLinks } = world;
  return {
    sim,
    duration: world.scenario.duration,
    streams,
    observer,
    broker,
    deliveries,
    messages,
    consumers,
    producers,
    link: (ref: LinkRef) =>
      clientLinks[ref.client][ref.index]![ref.direction === "to-broker" ? "toBroker" : "fromBroker"],
  };
}

/** Each producer instance's routing keys (instances of one producer share its list) and each group's bindings. */
function routingTable(scenario: ParsedScenario): RoutingTable {
  return {
    keysOfProducer: scenario.producers.flatMap((spec) => {
      const keys = routingKeysOf(spec.routingKey);
      return Array.from({ length: spec.instances }, () => keys);
    }),
    bindingsOfGroup: scenario.consumers.map((spec) => spec.bindings ?? null),
  };
}

/** The warm-up in microseconds; simulate() replaces "auto" by a time before building. */
function resolvedWarmup(scenario: ParsedScenario): number {
  if (scenario.warmup === "auto") throw new Error("invariant: an automatic warm-up reached buildWorld unresolved");
  return scenario.warmup;
}

/** A rough count of the messages a run creates, to size the message table once instead of growing it. */
export function expectedMessages(scenario: ParsedScenario): number {
  let total = 0;
  for (const producer of scenario.producers) {
    const perSecond = producer.rate ?? producer.arrival?.rate ?? 1000;
    const perInstance = Math.min(producer.limit ?? Number.POSITIVE_INFINITY, (perSecond * scenario.duration) / 1e6);
    total += producer.instances * perInstance;
  }
  return Math.min(2 ** 24, Math.max(1024, Math.ceil(total * 1.05)));
}

function endpointName(endpoint: Endpoint): string {
  return endpoint.kind === "broker" ? "broker" : `${endpoint.kind}:${endpoint.instance}`;
}

/** Poison messages are drawn per producer instance from their own stream, only when a poison fault applies. */
function poisonDecider(faults: readonly Fault[], producer: number, instance: string, streams: RandomStreams) {
  let fraction = 0;
  for (const fault of faults) {
    if (fault.kind === "poison" && (fault.producer === null || fault.producer === producer)) fraction += fault.fraction;
  }
  if (fraction === 0) return () => false;
  const rng = streams.stream(`fault:poison:${instance}`);
  return () => rng() < fraction;
}

/**
 * The broker's intake: with a service time, publishes are handled one at a
 * time in arrival order (a single broker thread), so a busy broker delays them.
 */
function brokerIngress(
  sim: Simulation,
  broker: Broker,
  gate: PublisherGate,
  serviceTime: Distribution,
  streams: RandomStreams,
) {
  const publish = (message: number): void => {
    gate.inTransit--;
    broker.publish(message);
  };
  if (isAlwaysZero(serviceTime)) return publish;
  const sample = samplerFor(serviceTime, streams.stream("broker:service"));
  let busyUntil = 0;
  return (message: number): void => {
    busyUntil = Math.max(sim.now, busyUntil) + Math.round(sample());
    sim.at(busyUntil, publish, message);
  };
}
