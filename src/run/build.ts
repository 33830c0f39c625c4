import type { Broker, ConsumerSlot, RoutingTable } from "../brokers/broker.js";
import {
  batchConsumerCapacity,
  consumerCapacity,
  consumerHeartbeat,
  producerBatching,
  producerClientFactory,
  servesPublishes,
} from "../brokers/registry.js";
import type { EventHandler } from "../engine/event-queue.js";
import { Simulation } from "../engine/simulation.js";
import { normalizeFaults } from "../faults/normalize.js";
import type { Fault } from "../faults/registry.js";
import type { FaultWorld, LinkRef } from "../faults/world.js";
import { MetricsRecorder } from "../metrics/recorder.js";
import { BatchFigures } from "../model/batches.js";
import { Bookkeeper, type BookkeeperOptions } from "../model/bookkeeper.js";
import { Consumer } from "../model/consumer.js";
import { DeliveryTable } from "../model/deliveries.js";
import { EffectLedger } from "../model/effects.js";
import { IdempotencyGuard } from "../model/idempotency.js";
import { MessageTable } from "../model/messages.js";
import { type Endpoint, Link } from "../model/network.js";
import { ObserverFanout, ObserverPair, type RunObserver } from "../model/observer.js";
import { Producer } from "../model/producer.js";
import type { ProducerClientFactory } from "../model/producer-client.js";
import { BlockedProducers } from "../model/producer-client.js";
import { PublishBatchFigures } from "../model/publish-batches.js";
import { PublisherGate } from "../model/publisher-gate.js";
import { ArrivalProcess } from "../random/arrivals.js";
import { type Distribution, isAlwaysZero, type Sampler, samplerFor } from "../random/distributions.js";
import { keyPickerFor } from "../random/keys.js";
import { priorityPickerFor } from "../random/priorities.js";
import { routingKeyPickerFor, routingKeysOf } from "../random/routing-keys.js";
import { RandomStreams } from "../random/streams.js";
import { arrivalSchedule } from "../scenario/arrival-schedule.js";
import { brokerMayCrash } from "../scenario/retirement-scope.js";
import { keyChoice, type ParsedScenario } from "../scenario/schema.js";
import {
  type BrokerTallies,
  brokerSectionsOfGroups,
  brokerTalliesOf,
  type ExtraBrokers,
  extraBrokersOf,
  extraIntakes,
} from "./brokers.js";
import { brokerWithDelays, type Schedules, ticksOf } from "./delays.js";
import { StageFlows } from "./flows.js";
import { componentNames } from "./names.js";
import { buildPatterns, type Patterns, planFor, publishLimitFor } from "./patterns.js";
import { type Redrives, redrivesOf } from "./redrive.js";
import { RequestReply } from "./requests.js";
import { buildWrites, type ProducerWrites, writesFactoryFor } from "./writes.js";

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
  /** Where consumers apply side effects (staged until a commit under transactional profiles). */
  effects: EffectLedger;
  broker: Broker;
  producers: Producer[];
  consumers: Consumer[];
  /** Each consumer's and producer instance's links, by instance index. */
  clientLinks: ClientLinks;
  groupNames: string[];
  /** The scenario's faults, normalized: targets resolved to the indices above. */
  faults: Fault[];
  /** Dependencies and retry figures (src/patterns); empty when the scenario declares none. */
  patterns: Patterns;
  /** The DLQ redrives, when some group declares one. */
  redrives: Redrives | null;
  /** Per producer, in the scenario's order: its dual write or outbox (src/model/outbox.ts), or null. */
  writes: (ProducerWrites | null)[];
  /** Recurring producers' figures, by producer name; empty when none has a schedule. */
  schedules: Schedules;
  /** Pipeline stages (consumer groups with publishTo); null when the scenario has none. */
  flows: StageFlows | null;
  /** Request-reply (producers with `request:`); null when the scenario has none. */
  requests: RequestReply | null;
  /** Per consumer group with `batch:`, its batch figures; null for the others. */
  batchFigures: (BatchFigures | null)[];
  /** Per producer with `batch:` (in the scenario's order), its instances' batch figures; null for the others. */
  publishBatchFigures: (PublishBatchFigures | null)[];
  /** The brokers of `brokers:` (src/run/brokers.ts); null when the scenario has only the main one. */
  extraBrokers: ExtraBrokers | null;
  /** Per-broker counts, with `brokers:` only. */
  brokerTallies: BrokerTallies | null;
}

/** The two links between the broker and each client instance: deliveries or confirms, and acks or publishes. */
export interface ClientLinks {
  consumer: { fromBroker: Link; toBroker: Link }[];
  producer: { fromBroker: Link; toBroker: Link }[];
}

/**
 * Expands the scenario into components. Every random draw comes from a stream
 * named after its component and purpose (`producer:checkout#1:arrivals`), so
 * adding a component leaves every other component's draws unchanged.
 */
export function buildWorld(
  scenario: ParsedScenario,
  extraObservers: readonly RunObserver[] = [],
  tableRows?: number,
): World {
  const core = buildCore(scenario, extraObservers, tableRows);
  const { sim, streams, messages, deliveries, metrics, observer, gate, effects, incarnations } = core;
  const clientFactory = producerClientFactory(scenario.broker);
  // Each group's slots take its own broker's capacity rule; without brokers: every group is on the main one.
  const sections = scenario.brokers === undefined ? null : brokerSectionsOfGroups(scenario);
  const slots = scenario.consumers
    .flatMap((spec, group) =>
      Array.from({ length: spec.instances }, () => ({
        group,
        capacity:
          spec.batch === undefined
            ? consumerCapacity(sections?.[group] ?? scenario.broker, spec.concurrency)
            : batchConsumerCapacity(sections?.[group] ?? scenario.broker, spec.batch.size, spec.concurrency),
      })),
    )
    .map((slot, index): ConsumerSlot => ({ index, ...slot }));
  const bookkeeping: BookkeeperOptions = {
    sim,
    messages,
    deliveries,
    observer,
    gate,
    effects,
    consumers: slots,
    incarnations,
    names: componentNames(scenario),
    routing: routingTable(scenario, core.flows),
    horizon: scenario.duration + scenario.drainTimeout,
    counts: metrics.counts,
    stream: (purpose) => streams.stream(`broker:${purpose}`),
    confirmsWanted: confirmsWanted(scenario, clientFactory !== null, core.flows),
    brokerMayCrash: brokerMayCrash(scenario),
    ...(core.flows === null ? {} : { lineage: core.flows.lineage, onwardAnswered: onwardAnswers(core.flows) }),
  };
  const bookkeeper = new Bookkeeper(bookkeeping);
  // The broker sees the consumer slots at construction; consumers are created next and call it directly.
  const broker = brokerWithDelays(core, bookkeeper);
  core.redrives?.start(broker, observer);
  const extraBrokers = extraBrokersOf({ scenario, sim, streams, bookkeeping });
  const consumers = buildConsumers(core, { broker, bookkeeper, extraBrokers });
  const schedules: Schedules = new Map();
  const producers = buildProducers(core, { broker, bookkeeper, schedules, extraBrokers }, clientFactory);
  const { clientLinks, groupNames, faults, patterns, writes, batchFigures, publishBatchFigures } = core;
  return {
    scenario,
    sim,
    streams,
    messages,
    deliveries,
    metrics,
    observer,
    gate,
    effects,
    broker,
    producers,
    consumers,
    clientLinks,
    groupNames,
    faults,
    patterns,
    redrives: core.redrives,
    writes,
    schedules,
    flows: core.flows,
    requests: core.requests,
    batchFigures,
    publishBatchFigures,
    extraBrokers,
    brokerTallies: core.brokerTallies,
  };
}

/**
 * Whether confirms travel back: only to producers with a publish timeout or a client library that wants them,
 * and to those that may publish a message again, which hear which copies the broker answered (Producer.answered).
 */
function confirmsWanted(scenario: ParsedScenario, clientLibrary: boolean, flows: Core["flows"]): boolean {
  return (
    clientLibrary ||
    scenario.producers.some(
      (p) =>
        p.publish.timeout !== null ||
        p.writes?.mode === "outbox" ||
        p.publish.resendOnRestart ||
        p.request !== undefined,
    ) ||
    flows?.writes?.wantsConfirms === true
  );
}

/** What the fault injector may act on, out of everything the run is made of. */
export function faultWorldOf(world: World): FaultWorld {
  const { sim, streams, observer, broker, deliveries, messages, consumers, producers, clientLinks, patterns } = world;
  const direction = { "from-broker": "fromBroker", "to-broker": "toBroker" } as const;
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
    dependencies: patterns.dependencies,
    link: (ref: LinkRef) => clientLinks[ref.client][ref.index]![direction[ref.direction]],
    ...(world.extraBrokers === null ? {} : { extraBrokers: world.extraBrokers.list }),
  };
}

/** What every component is built from: the clock, the streams, the tables, the observers and the network. */
interface Core {
  scenario: ParsedScenario;
  sim: Simulation;
  streams: RandomStreams;
  messages: MessageTable;
  deliveries: DeliveryTable;
  metrics: MetricsRecorder;
  observer: RunObserver;
  gate: PublisherGate;
  effects: EffectLedger;
  guards: IdempotencyGuard[];
  incarnations: Int32Array;
  groupNames: string[];
  clientLinks: ClientLinks;
  /** The scenario's faults, normalized once. */
  faults: Fault[];
  patterns: Patterns;
  writes: (ProducerWrites | null)[];
  /** The DLQ redrives, when some group declares one. */
  redrives: Redrives | null;
  /** Pipeline stages (consumer groups with publishTo); null when the scenario has none. */
  flows: StageFlows | null;
  requests: RequestReply | null;
  brokerTallies: BrokerTallies | null;
  batchFigures: (BatchFigures | null)[];
  publishBatchFigures: (PublishBatchFigures | null)[];
  /** A new link from one component to another, with the network's latency drawn from its own stream. */
  link(from: Endpoint, to: Endpoint): Link;
  sampler(distribution: Distribution, stream: string): Sampler;
}

function buildCore(
  scenario: ParsedScenario,
  extraObservers: readonly RunObserver[],
  tableRows: number | undefined,
): Core {
  const sim = new Simulation();
  const streams = new RandomStreams(scenario.seed);
  const groupNames = scenario.consumers.map((c) => c.group);
  // A table that may retire messages is a ring of `tableRows`; otherwise it holds the whole run, sized once.
  const messages = new MessageTable(
    groupNames.length,
    tableRows ?? expectedMessages(scenario),
    tableRows !== undefined,
  );
  const guards = scenario.consumers.map((c) => new IdempotencyGuard(c.idempotency, messages));
  const repeatsMatter = guards.map((g) => g.repeatsMatter);
  const metrics = new MetricsRecorder(messages, repeatsMatter, resolvedWarmup(scenario), scenario.duration);
  const patterns = buildPatterns(scenario, sim, streams, messages);
  const redrives = redrivesOf(scenario, sim, messages, patterns);
  const flows =
    scenario.consumers.some((c) => c.publishTo !== undefined || c.gather !== undefined) ||
    Object.keys(scenario.sagas ?? {}).length > 0
      ? new StageFlows(scenario, { sim, messages, streams })
      : null;
  const brokerTallies = scenario.brokers === undefined ? null : brokerTalliesOf(scenario, flows);
  const extra = [
    ...extraObservers,
    ...(redrives === null ? [] : [redrives]),
    ...(flows === null ? [] : [flows.recorder]),
    ...(brokerTallies === null ? [] : [brokerTallies]),
  ];
  const observer = observerOf(metrics, extra);
  const groupOfConsumer = scenario.consumers.flatMap((spec, group) => Array<number>(spec.instances).fill(group));
  const sampler = (distribution: Distribution, stream: string): Sampler =>
    samplerFor(distribution, streams.stream(stream));
  const link = (from: Endpoint, to: Endpoint): Link => {
    const name = `${endpointName(from)}->${endpointName(to)}`;
    const latency = isAlwaysZero(scenario.network.latency) ? null : sampler(scenario.network.latency, `link:${name}`);
    return new Link(sim, latency, from, to);
  };
  const gate = new PublisherGate(observer, sim);
  const incarnations = new Int32Array(groupOfConsumer.length);
  flows?.wire(observer, gate, incarnations);
  return {
    scenario,
    sim,
    streams,
    messages,
    deliveries: new DeliveryTable(),
    metrics,
    observer,
    gate,
    flows,
    brokerTallies,
    requests: scenario.producers.some((p) => p.request !== undefined)
      ? new RequestReply(scenario, sim, messages)
      : null,
    effects: new EffectLedger(messages, observer, groupOfConsumer, groupNames.length),
    guards,
    incarnations,
    groupNames,
    clientLinks: { consumer: [], producer: [] },
    faults: normalizeFaults(scenario),
    patterns,
    redrives,
    writes: buildWrites(scenario),
    batchFigures: scenario.consumers.map((c) => (c.batch === undefined ? null : new BatchFigures(c.batch.size))),
    publishBatchFigures: scenario.producers.map((p) =>
      p.batch === undefined ? null : new PublishBatchFigures(p.batch.size),
    ),
    link,
    sampler,
  };
}

/** Where the broker's answers to onward messages go: to the publishing stage's relay, when some stage has one. */
function onwardAnswers(flows: StageFlows): (message: number, accepted: boolean, answered: boolean) => void {
  return (message, accepted, answered) => flows.answered(message, accepted, answered);
}

function observerOf(metrics: MetricsRecorder, extra: readonly RunObserver[]): RunObserver {
  if (extra.length === 0) return metrics;
  if (extra.length === 1) return new ObserverPair(metrics, extra[0]!);
  return new ObserverFanout([metrics, ...extra]);
}

const brokerEnd: Endpoint = { kind: "broker" };

function buildConsumers(
  core: Core,
  main: { broker: Broker; bookkeeper: Bookkeeper; extraBrokers: ExtraBrokers | null },
): Consumer[] {
  const { scenario, sim, messages, observer, effects, incarnations, link, sampler } = core;
  const mainHeartbeat = consumerHeartbeat(scenario.broker);
  const consumers: Consumer[] = [];
  scenario.consumers.forEach((spec, group) => {
    // A group on another broker (brokers:) talks to that broker only, through its bookkeeper and deliveries.
    const home = main.extraBrokers?.homeOf(group) ?? null;
    const broker = home?.broker ?? main.broker;
    const bookkeeper = home?.bookkeeper ?? main.bookkeeper;
    const deliveries = home?.deliveries ?? core.deliveries;
    const heartbeatEvery = home === null ? mainHeartbeat : home.heartbeatEvery;
    for (let instance = 1; instance <= spec.instances; instance++) {
      const name = `${spec.group}/${instance}`;
      const index = consumers.length;
      const endpoint: Endpoint = { kind: "consumer", group: spec.group, instance: name };
      const toConsumer = link(brokerEnd, endpoint);
      const processing = sampler(spec.processing ?? NO_TIME, `consumer:${name}:processing`);
      const options = {
        index,
        group,
        name,
        concurrency: spec.concurrency,
        processing,
        idempotency: core.guards[group]!,
        ...planOption(core, { group, name, processing }),
        ...batchOption(core, group, name),
      };
      const toBroker = link(endpoint, brokerEnd);
      core.clientLinks.consumer.push({ fromBroker: toConsumer, toBroker });
      const staged =
        spec.publishTo !== undefined || spec.gather !== undefined || core.flows?.sagas?.plays(group) === true;
      const onward = staged && core.flows !== null ? { onward: core.flows } : {};
      core.flows?.connect(index, toBroker, { name, fromBroker: toConsumer });
      core.requests?.connect(index, toBroker);
      const wiring = {
        ...{ sim, messages, deliveries, observer, effects, toBroker, broker, incarnations, heartbeatEvery },
        giveUps: bookkeeper,
        ...onward,
        ...repliesOption(core, group),
      };
      const consumer = new Consumer(options, wiring);
      bookkeeper.connectConsumer(index, toConsumer, consumer.receive, toBroker);
      consumers.push(consumer);
    }
  });
  return consumers;
}

/** A group some requester sends to replies to what it processes; other groups leave the option out. */
function repliesOption(core: Core, group: number) {
  const requests = core.requests;
  return requests?.responderGroups.has(group) ? { replies: requests } : {};
}

const NO_TIME: Distribution = { dist: "constant", value: 0 };

/** A group with `batch:` processes in batches; its overhead is drawn from the instance's own stream. */
function batchOption(core: Core, group: number, name: string) {
  const batch = core.scenario.consumers[group]!.batch;
  const figures = core.batchFigures[group];
  if (batch === undefined || figures === null || figures === undefined) return {};
  const overhead = core.sampler(batch.overhead, `consumer:${name}:batch-overhead`);
  return { batch: { size: batch.size, wait: batch.wait, overhead, figures } };
}

/** A group with steps processes through a plan (src/patterns); others leave the option out and run as before. */
function planOption(core: Core, instance: { group: number; name: string; processing: Sampler }) {
  const plan = planFor(core.patterns, core, instance);
  return plan === undefined ? {} : { plan };
}

function buildProducers(
  core: Core,
  {
    broker,
    bookkeeper,
    schedules,
    extraBrokers,
  }: { broker: Broker; bookkeeper: Bookkeeper; schedules: Schedules; extraBrokers: ExtraBrokers | null },
  clientFactory: ProducerClientFactory | null,
): Producer[] {
  const { scenario, sim, streams, messages, observer, gate, link } = core;
  // A profile that serves publishes itself (one server per queue) gets them as they arrive.
  const serviceTime: Distribution = servesPublishes(scenario.broker)
    ? { dist: "constant", value: 0 }
    : scenario.broker.serviceTime;
  const intake = brokerIngress(sim, broker, gate, serviceTime, streams);
  const publishHandler = core.flows === null ? intake : core.flows.producerIngress(routed(core, intake, extraBrokers));
  const blockedProducers = new BlockedProducers(observer, sim);
  const producers: Producer[] = [];
  scenario.producers.forEach((spec, written) => {
    for (let instance = 1; instance <= spec.instances; instance++) {
      const name = `${spec.name}#${instance}`;
      const endpoint: Endpoint = { kind: "producer", name: spec.name, instance: name };
      const options = producerOptions(core, { spec, written, schedules }, name, producers.length);
      const toProducer = link(brokerEnd, endpoint);
      const toBroker = link(endpoint, brokerEnd);
      core.clientLinks.producer.push({ fromBroker: toProducer, toBroker });
      const client =
        clientFactory === null
          ? null
          : {
              create: clientFactory,
              blocked: blockedProducers,
              stream: (purpose: string) => streams.stream(`producer:${name}:${purpose}`),
            };
      const publishLimit = publishLimitFor(core.patterns, written);
      const writes = writesFactoryFor(scenario, core.writes, written, { instance: name, streams });
      const requests = core.requests?.gateFor(producers.length, toProducer);
      const wiring = {
        ...{ sim, messages, observer, gate, toBroker, publishHandler, client, publishLimit, writes },
        ...(requests === undefined ? {} : { requests }),
      };
      const producer = new Producer(options, wiring);
      bookkeeper.connectProducer(producers.length, toProducer, producer);
      producers.push(producer);
    }
  });
  return producers;
}

/**
 * Where producers and stages publish: the main broker's intake, or, with `brokers:`, a router that sends
 * a stage's onward message to the intake of the broker its target group lives on (each with its own
 * service time and stream); the stage's in-transit count is on the main gate, where the stage counted it.
 */
function routed(core: Core, intake: EventHandler, extraBrokers: ExtraBrokers | null): EventHandler {
  if (extraBrokers === null || core.flows === null) return intake;
  const { scenario, sim, gate, streams } = core;
  const intakes = extraIntakes(extraBrokers, scenario, (to, time, stream) =>
    brokerIngress(sim, to, gate, time, streams, stream),
  );
  return extraBrokers.router(intake, core.flows, intakes);
}

/**
 * A producer instance's draws, each from its own stream, so adding one leaves every other draw unchanged.
 * `written` is the producer's position in the scenario's list.
 */
function producerOptions(
  core: Core,
  { spec, written, schedules }: { spec: ParsedScenario["producers"][number]; written: number; schedules: Schedules },
  name: string,
  index: number,
) {
  const { scenario, streams, sampler } = core;
  const ticks = ticksOf(spec, schedules);
  return {
    index,
    name,
    // A recurring producer ticks on its schedule and draws no arrivals (its stream stays untouched).
    arrivals: ticks?.clock ?? new ArrivalProcess(arrivalSchedule(spec), streams.stream(`producer:${name}:arrivals`)),
    ...(ticks === null ? {} : { ticks: ticks.ledger }),
    pickKey: keyPickerFor(keyChoice(spec.keys), streams.stream(`producer:${name}:keys`)),
    sampleSize: sampler(spec.size, `producer:${name}:size`),
    isPoison: poisonDecider(core.faults, written, name, streams),
    ...(spec.priority === undefined
      ? {}
      : { pickPriority: priorityPickerFor(spec.priority, streams.stream(`producer:${name}:priority`)) }),
    ...(spec.routingKey === undefined
      ? {}
      : { pickRoutingKey: routingKeyPickerFor(spec.routingKey, streams.stream(`producer:${name}:routing-key`)) }),
    stopAt: scenario.duration,
    limit: spec.limit ?? Number.POSITIVE_INFINITY,
    publish: spec.publish,
    ...publishBatchOption(core, written),
  };
}

/** A producer with `batch:` sends batch requests, capped by the profile (SQS: 1 MiB per SendMessageBatch). */
function publishBatchOption(core: Core, written: number) {
  const batch = core.scenario.producers[written]!.batch;
  const figures = core.publishBatchFigures[written];
  if (batch === undefined || figures === null || figures === undefined) return {};
  const batching = producerBatching(core.scenario.broker);
  const maxBytes = "maxBytes" in batching && batching.maxBytes !== undefined ? batching.maxBytes.bytes : Infinity;
  return { batch: { options: { size: batch.size, linger: batch.linger, maxBytes }, figures } };
}

/** Each producer instance's routing keys (instances of one producer share its list) and each group's bindings. */
function routingTable(scenario: ParsedScenario, flows: StageFlows | null): RoutingTable {
  return {
    ...(flows === null
      ? {}
      : {
          stageTargetOf: (message: number) => flows.targetOf(message),
          stageFedGroups: flows.fedGroups,
          stagePublisherOf: (message: number) => flows.publisherOf(message),
        }),
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
    const perSecond = producer.schedule
      ? ticksPerSecond(producer.schedule)
      : (producer.rate ?? producer.arrival?.rate ?? 1000);
    const perInstance = Math.min(producer.limit ?? Number.POSITIVE_INFINITY, (perSecond * scenario.duration) / 1e6);
    total += producer.instances * perInstance;
  }
  return Math.min(2 ** 24, Math.max(1024, Math.ceil(total * 1.05)));
}

/** A recurring producer's most ticks per second: one per interval, or one a minute for cron (its finest step). */
function ticksPerSecond(schedule: NonNullable<ParsedScenario["producers"][number]["schedule"]>): number {
  return schedule.every === undefined ? 1 / 60 : 1e6 / schedule.every;
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
  stream = "broker:service",
) {
  const publish = (message: number): void => {
    gate.inTransit--;
    broker.publish(message);
  };
  if (isAlwaysZero(serviceTime)) return publish;
  const sample = samplerFor(serviceTime, streams.stream(stream));
  let busyUntil = 0;
  return (message: number): void => {
    busyUntil = Math.max(sim.now, busyUntil) + Math.round(sample());
    sim.at(busyUntil, publish, message);
  };
}
