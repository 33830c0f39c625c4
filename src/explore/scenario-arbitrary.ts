import fc from "fast-check";
import type { ConsumerBatching, ProducerBatching, ProfileDefinition } from "../brokers/profile.js";
import { profileNamed, profiles } from "../brokers/profiles.js";
import { type BrokerSpec, consumerBatching, producerBatching } from "../brokers/registry.js";
import { validateScenario } from "../scenario/load.js";
import {
  ALL_KINDS,
  drawnFault,
  type FaultDraw,
  type FaultKindChoice,
  type FaultTargets,
  faultDrawArbitrary,
  targetNames,
} from "./fault-arbitrary.js";
import { settingsArbitrary } from "./settings-arbitrary.js";

/**
 * Scenarios as users write them (the input form: units as text, defaults left out), across every broker
 * profile, arrival process, distribution, fault kind and expectation. Runs stay small (at most 2 s of
 * simulated time at a few hundred messages per second, a few instances) so that hundreds run in seconds.
 * Most drawn scenarios are valid; `validScenarioArbitrary` keeps only those, and `invalidScenarioArbitrary`
 * breaks them on purpose.
 */
export type WrittenScenario = Record<string, unknown>;

/** The event budget of a generated run: a drawn combination that would run away stops here instead. */
export const GENERATED_MAX_EVENTS = 2_000_000;

const millis = (min: number, max: number) => fc.integer({ min, max }).map((ms) => `${ms}ms`);
const micros = (min: number, max: number) => fc.integer({ min, max }).map((us) => `${us}us`);

/** A duration distribution in each written form the schema accepts, with means between 0.1 and 20 ms. */
export const durationDistributionArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  micros(100, 5000),
  fc.record({ dist: fc.constant("constant"), value: micros(100, 5000) }),
  fc.record({ dist: fc.constant("exponential"), mean: micros(100, 5000) }),
  fc
    .tuple(fc.integer({ min: 100, max: 3000 }), fc.integer({ min: 2, max: 8 }))
    .map(([median, spread]) => ({ dist: "lognormal", median: `${median}us`, p99: `${median * spread}us` })),
  fc
    .tuple(fc.integer({ min: 100, max: 2000 }), fc.integer({ min: 1, max: 4000 }))
    .map(([min, extra]) => ({ dist: "uniform", min: `${min}us`, max: `${min + extra}us` })),
  fc
    .tuple(fc.integer({ min: 500, max: 5000 }), fc.integer({ min: 10, max: 400 }))
    .map(([mean, stddev]) => ({ dist: "normal", mean: `${mean}us`, stddev: `${stddev}us` })),
  fc
    .tuple(fc.integer({ min: 100, max: 2000 }), fc.double({ min: 1.5, max: 4, noNaN: true }))
    .map(([scale, shape]) => ({ dist: "pareto", scale: `${scale}us`, shape })),
  fc.array(micros(100, 5000), { minLength: 1, maxLength: 4 }).map((values) => ({ dist: "empirical", values })),
);

const networkLatency = fc.oneof(
  fc.constant(0),
  micros(50, 2000),
  fc.record({ dist: fc.constant("exponential"), mean: micros(50, 1000) }),
  fc.constant({ dist: "lognormal", median: "300us", p99: "2ms" }),
);

const rateArbitrary = fc.integer({ min: 1, max: 200 }).map((perSecond) => `${perSecond}/s`);

const arrivalArbitrary = fc.oneof(
  fc.record({ rate: rateArbitrary }),
  fc.record({ arrival: fc.record({ process: fc.constantFrom("poisson", "constant"), rate: rateArbitrary }) }),
  fc.record({
    arrival: fc.record({
      process: fc.constantFrom("poisson", "constant"),
      phases: fc.array(
        fc.oneof(
          fc.record({ for: millis(50, 500), rate: rateArbitrary }),
          fc.record({ for: millis(50, 500), from: rateArbitrary, to: rateArbitrary }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      repeat: fc.boolean(),
    }),
  }),
);

const keysArbitrary = fc.oneof(
  fc.constant("none"),
  fc.record(
    {
      count: fc.integer({ min: 1, max: 50 }),
      dist: fc.constantFrom("uniform", "zipf"),
      s: fc.constantFrom(0.8, 1, 1.2),
    },
    { requiredKeys: ["count"] },
  ),
);

const publishArbitrary = fc.record(
  {
    timeout: fc.oneof(fc.constant(null), millis(20, 500)),
    retries: fc.integer({ min: 0, max: 3 }),
    backoff: millis(1, 100),
    resendOnRestart: fc.boolean(),
  },
  { requiredKeys: [] },
);

function producerArbitrary(): fc.Arbitrary<WrittenScenario> {
  return fc
    .record(
      {
        instances: fc.integer({ min: 1, max: 2 }),
        arrival: arrivalArbitrary,
        keys: keysArbitrary,
        size: fc.oneof(
          fc.constantFrom("1KB", "200B", "4KB"),
          fc.constant({ dist: "uniform", min: "100B", max: "2KB" }),
        ),
        priority: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constant({ weights: { 0: 9, 5: 1 } })),
        limit: fc.integer({ min: 1, max: 100 }),
        publish: publishArbitrary,
        rateLimit: rateLimitArbitrary,
      },
      { requiredKeys: ["arrival"] },
    )
    .map(({ arrival, ...rest }) => ({ ...rest, ...arrival }));
}

const idempotencyArbitrary = fc.oneof(
  fc.constant({ strategy: "none" }),
  fc.record(
    {
      strategy: fc.constant("dedup-store"),
      ttl: fc.oneof(fc.constant(null), millis(10, 2000)),
      capacity: fc.integer({ min: 1, max: 100 }),
    },
    { requiredKeys: ["strategy"] },
  ),
  fc.constant({ strategy: "transactional" }),
  fc.constant({ strategy: "natural" }),
);

/** Downstream services, named d1 and d2; consumers' steps and breakers name them (or an undeclared one). */
const dependencyArbitrary = fc
  .record(
    {
      latency: durationDistributionArbitrary,
      concurrency: fc.integer({ min: 1, max: 20 }),
      overflow: fc.constantFrom("queue", "refuse"),
      errors: fc.record(
        { transient: fc.integer({ min: 0, max: 50 }), permanent: fc.integer({ min: 0, max: 10 }) },
        { requiredKeys: [] },
      ),
      timeout: millis(1, 500),
      appliedOnTimeout: fc.integer({ min: 0, max: 100 }).map((percent) => percent / 100),
    },
    { requiredKeys: ["latency"] },
  )
  .map(({ errors, ...rest }) => ({
    ...rest,
    ...(errors === undefined
      ? {}
      : { errors: Object.fromEntries(Object.entries(errors).map(([kind, percent]) => [kind, percent / 100])) }),
  }));

const dependenciesArbitrary = fc.record({ d1: dependencyArbitrary, d2: dependencyArbitrary }, { requiredKeys: ["d1"] });

/** Steps that call d1 (always declared when steps are drawn), with local work before or after. */
const stepsArbitrary = fc
  .record(
    {
      before: fc.record({ work: durationDistributionArbitrary }),
      call: fc.record({ sideEffect: fc.boolean(), idempotencyKey: fc.boolean() }, { requiredKeys: [] }),
      after: fc.record({ work: durationDistributionArbitrary }),
    },
    { requiredKeys: ["call"] },
  )
  .map(({ before, call, after }) => [...(before ? [before] : []), { call: "d1", ...call }, ...(after ? [after] : [])]);

const retryArbitrary = fc.record(
  {
    maxAttempts: fc.integer({ min: 1, max: 5 }),
    backoff: fc.oneof(
      fc.constant({ type: "none" }),
      fc.record({ type: fc.constant("fixed"), delay: millis(0, 200) }),
      fc.record({
        type: fc.constant("exponential"),
        base: millis(1, 100),
        cap: millis(100, 2000),
        jitter: fc.constantFrom("none", "full", "equal", "decorrelated"),
      }),
    ),
    scope: fc.constantFrom("handler", "call"),
    onExhausted: fc.constantFrom("nack", "dead-letter", "drop", "park"),
  },
  { requiredKeys: [] },
);

const breakerArbitrary = fc.record(
  {
    window: fc.oneof(
      fc.record({ type: fc.constant("count"), size: fc.integer({ min: 1, max: 50 }) }),
      fc.record({ type: fc.constant("time"), length: millis(10, 1000) }),
    ),
    minimumCalls: fc.integer({ min: 1, max: 20 }),
    openFor: millis(10, 1000),
    halfOpenCalls: fc.integer({ min: 1, max: 5 }),
    scope: fc.constantFrom("group", "instance"),
    whileOpen: fc.constantFrom("fail-fast", "pause", "nack"),
  },
  { requiredKeys: [] },
);

const rateLimitArbitrary = fc.oneof(
  fc.record({
    type: fc.constant("token-bucket"),
    rate: fc.integer({ min: 1, max: 2000 }).map((r) => `${r}/s`),
    burst: fc.integer({ min: 1, max: 100 }),
    scope: fc.constantFrom("group", "instance", "key"),
  }),
  fc.record({
    type: fc.constantFrom("fixed-window", "sliding-window"),
    limit: fc.integer({ min: 1, max: 100 }),
    window: millis(1, 1000),
    scope: fc.constantFrom("group", "instance", "key"),
  }),
);

function consumerArbitrary(): fc.Arbitrary<WrittenScenario> {
  return fc.record(
    {
      instances: fc.integer({ min: 1, max: 3 }),
      concurrency: fc.integer({ min: 1, max: 3 }),
      processing: durationDistributionArbitrary,
      idempotency: idempotencyArbitrary,
    },
    { requiredKeys: ["processing"] },
  );
}

/** A group's application patterns (docs/patterns.md): steps calling d1, and around them retries, a breaker, a limit. */
const consumerPatternsArbitrary = fc.record(
  {
    steps: stepsArbitrary,
    retry: retryArbitrary,
    breakers: fc.record({ d1: breakerArbitrary }),
    rateLimit: rateLimitArbitrary,
    redrive: fc.array(
      fc.record(
        {
          atMs: fc.integer({ min: 0, max: 2000 }),
          max: fc.integer({ min: 1, max: 50 }),
          rate: fc.constantFrom("10/s", "1000/s"),
        },
        { requiredKeys: ["atMs"] },
      ),
      { minLength: 1, maxLength: 2 },
    ),
  },
  { requiredKeys: ["steps"] },
);

/** A drawn redrive, on a profile that models one, starting within the run; elsewhere it is left out. */
function placedRedrive(group: WrittenScenario, profile: string, durationMs: number): WrittenScenario {
  const { redrive, ...rest } = group as { redrive?: { atMs: number }[] };
  if (redrive === undefined || profileNamed(profile).redrive === undefined) return rest;
  return {
    ...rest,
    redrive: redrive.map(({ atMs, ...action }) => ({ at: `${Math.min(atMs, durationMs)}ms`, ...action })),
  };
}

/** Dependencies, and for each generated group its patterns or none. */
const patternsArbitrary = fc.record({
  dependencies: dependenciesArbitrary,
  groups: fc.array(fc.option(consumerPatternsArbitrary), { maxLength: 2 }),
});

const latencyBounds = fc.record(
  { mean: millis(1, 5000), p50: millis(1, 5000), p95: millis(1, 5000), p99: millis(1, 5000), max: millis(1, 10000) },
  { requiredKeys: [] },
);

/** Every expectation the schema knows, each present or not. */
export const expectArbitrary: fc.Arbitrary<WrittenScenario> = fc.record(
  {
    delivery: fc.constantFrom("at-most-once", "at-least-once", "exactly-once"),
    ordering: fc.constantFrom("per-key", "per-producer", "fifo", "per-partition", "per-group", "none"),
    sideEffects: fc.constant("exactly-once"),
    latency: latencyBounds,
    queueWait: latencyBounds,
    backpressure: fc.record(
      {
        maxDepth: fc.integer({ min: 0, max: 1000 }),
        maxLag: fc.integer({ min: 0, max: 1000 }),
        blocked: millis(0, 2000),
        rejected: fc.integer({ min: 0, max: 100 }),
      },
      { requiredKeys: [] },
    ),
    throughput: fc.record({ min: fc.integer({ min: 1, max: 100 }).map((r) => `${r}/s`) }),
  },
  { requiredKeys: [] },
);

function brokerArbitrary(profile: ProfileDefinition, settings: "drawn" | "default"): fc.Arbitrary<WrittenScenario> {
  const shape = (profile.schema as unknown as { shape: Record<string, import("zod").ZodType> }).shape;
  const extra: Record<string, fc.Arbitrary<unknown>> = {};
  if (profile.facts.partitions && !shape.partitions!.safeParse(2).error)
    extra.partitions = fc.integer({ min: 1, max: 4 });
  if ("brokers" in shape) extra.brokers = fc.integer({ min: 1, max: 3 });
  return fc
    .record(
      {
        settings: settings === "drawn" ? settingsArbitrary(shape.settings!) : fc.constant({}),
        serviceTime: fc.constantFrom("0us", "5us", "50us"),
        ...extra,
      },
      { requiredKeys: [] },
    )
    .map((section) => ({ profile: profile.name, ...section }));
}

/** The names a generated scenario's components have, for fault targets. */
function targetsOf(
  producers: WrittenScenario[],
  consumers: WrittenScenario[],
  broker: WrittenScenario,
  dependencies: WrittenScenario | null,
): FaultTargets {
  return {
    producers: producers.map((p) => ({ name: String(p.name), instances: Number(p.instances ?? 1) })),
    groups: consumers.map((c) => ({ name: String(c.group), instances: Number(c.instances ?? 1) })),
    brokerNodes: broker.profile === "kafka" ? Number(broker.brokers ?? 1) : 0,
    dependencies: Object.keys(dependencies ?? {}).sort(),
  };
}

/** What a generated scenario may hold; by default every profile and every fault kind, up to 3 faults. */
export interface ScenarioSpace {
  profiles?: readonly string[];
  kinds?: readonly FaultKindChoice[];
  maxFaults?: number;
  /** "default" leaves `broker.settings` out: the profile's promises then hold as documented. Default "drawn". */
  settings?: "drawn" | "default";
  /**
   * false leaves out producer writes, delays, schedules and batches (still drawn, so every other draw stays
   * the same): for tests of the message table's retirement, which runs with them do not use. Default true.
   */
  messageFeatures?: boolean;
}

/**
 * One scenario, valid or nearly so: every profile, arrival, distribution, fault kind and expectation. One flat
 * record, without fast-check's `chain`, so that shrinking reaches every part: fewer producers, groups and
 * faults, shorter runs, lower rates, fields left out. Names and fault targets are given when it is assembled.
 */
export function scenarioArbitrary(space: ScenarioSpace = {}): fc.Arbitrary<WrittenScenario> {
  const allowed = profiles.filter((p) => space.profiles === undefined || space.profiles.includes(p.name));
  return fc
    .record({
      seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      durationMs: fc.integer({ min: 50, max: 2000 }),
      drainTimeout: fc.constantFrom("1s", "5s", "20s"),
      broker: fc.oneof(...allowed.map((profile) => brokerArbitrary(profile, space.settings ?? "drawn"))),
      latency: networkLatency,
      producers: fc.array(producerArbitrary(), { minLength: 1, maxLength: 2 }),
      consumers: fc.array(consumerArbitrary(), { minLength: 1, maxLength: 2 }),
      patterns: fc.option(patternsArbitrary, { freq: 3 }),
      faults: fc.array(faultDrawArbitrary(space.kinds ?? ALL_KINDS), { maxLength: space.maxFaults ?? 3 }),
      expect: expectArbitrary,
      // Drawn last, so every field above draws as it did before pipelines existed.
      flow: fc.option(flowArbitrary, { freq: 3 }),
      // polish (issue 14): writes, delays, schedules and batches, drawn after everything above.
      messageFeatures: fc.option(messageFeaturesArbitrary, { freq: 2 }),
      // A stage's writes and a bounded self-loop (maxHops), drawn after everything above.
      stageExtras: fc.option(stageExtrasArbitrary, { freq: 3 }),
    })
    .map((drawn) => assemble(space.messageFeatures === false ? { ...drawn, messageFeatures: null } : drawn));
}

function assemble(drawn: {
  seed: number;
  durationMs: number;
  drainTimeout: string;
  broker: WrittenScenario;
  latency: unknown;
  producers: WrittenScenario[];
  consumers: WrittenScenario[];
  patterns: { dependencies: WrittenScenario; groups: (WrittenScenario | null)[] } | null;
  faults: FaultDraw[];
  expect: WrittenScenario;
  flow: FlowDraw | null;
  messageFeatures: MessageFeaturesDraw | null;
  stageExtras: StageExtrasDraw | null;
}): WrittenScenario {
  const producers = drawn.producers.map((producer, i) => ({ name: `p${i + 1}`, ...producer }));
  const consumers = drawn.consumers.map(
    (consumer, i): WrittenScenario => ({
      group: `g${i + 1}`,
      ...consumer,
      ...placedRedrive(drawn.patterns?.groups[i] ?? {}, String(drawn.broker.profile), drawn.durationMs),
    }),
  );
  if (drawn.flow !== null && consumers.length > 1 && profileNamed(String(drawn.broker.profile)).routesStages)
    placeStage(consumers, drawn.flow, drawn.stageExtras);
  if (drawn.messageFeatures !== null) placeMessageFeatures(drawn.messageFeatures, drawn.broker, producers, consumers);
  const dependencies = drawn.patterns?.dependencies ?? null;
  const targets = targetsOf(producers, consumers, drawn.broker, dependencies);
  // A fault on a dependency needs one to hit: without dependencies it is left out.
  const faults = drawn.faults.filter((draw) => targetNames(draw.kind, targets).length > 0);
  return {
    name: "generated",
    seed: drawn.seed,
    duration: `${drawn.durationMs}ms`,
    drainTimeout: drawn.drainTimeout,
    broker: drawn.broker,
    network: { latency: drawn.latency },
    producers,
    consumers,
    ...(dependencies === null ? {} : { dependencies }),
    faults: faults.map((draw) => drawnFault(draw, targets, drawn.durationMs)),
    expect: drawn.expect,
    limits: { maxEvents: GENERATED_MAX_EVENTS },
  };
}

/** A pipeline between the first two groups (docs/patterns.md, "Flows"): g1 publishes to g2. */
type FlowDraw = { kind: "one" } | { kind: "fan-out"; count: number } | { kind: "choose" };

const flowArbitrary: fc.Arbitrary<FlowDraw> = fc.oneof(
  fc.constant({ kind: "one" as const }),
  fc.record({ kind: fc.constant("fan-out" as const), count: fc.integer({ min: 1, max: 3 }) }),
  fc.constant({ kind: "choose" as const }),
);

/** A stage's writes (g1's) and a self-loop on g2 bounded by maxHops (docs/patterns.md, "Bounded cycles"). */
type StageExtrasDraw = { writes?: unknown; loopMaxHops?: number };

function placeStage(consumers: WrittenScenario[], flow: FlowDraw, extras: StageExtrasDraw | null): void {
  consumers[0]!.publishTo = publishToOf(flow);
  if (extras?.writes !== undefined) consumers[0]!.writes = extras.writes;
  if (extras?.loopMaxHops !== undefined) {
    consumers[1]!.publishTo = "g2";
    consumers[1]!.maxHops = extras.loopMaxHops;
  }
}

function publishToOf(flow: FlowDraw): unknown {
  if (flow.kind === "one") return "g2";
  if (flow.kind === "fan-out") return { group: "g2", count: flow.count };
  return { choose: { g2: 1 }, by: "key" };
}

/** Only the scenarios the validator accepts (about four in five drawn). */
export function validScenarioArbitrary(space: ScenarioSpace = {}): fc.Arbitrary<WrittenScenario> {
  return scenarioArbitrary(space).filter((scenario) => validateScenario(scenario).ok);
}

// ---------------------------------------------------------------------------------------------------------
// polish (issue 14): producer writes (`writes:`), broker delays (`delay`, `notBefore`), recurring producers
// (`schedule`) and batches (a group's and a producer's `batch:`). Drawn as one field after every other, so a
// seed that draws none of them draws the scenario it drew before; placed only where the profile's descriptor
// allows them (its delay facts, its batch limits), so that most drawn scenarios stay valid.
// ---------------------------------------------------------------------------------------------------------

/** A bounded delay (SQS refuses a distribution without an upper bound), at most 1 s. */
const boundedDelayArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  millis(0, 1000),
  fc
    .tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }))
    .map(([min, extra]) => ({ dist: "uniform", min: `${min}ms`, max: `${min + extra}ms` })),
);

const writesArbitrary = fc.oneof(
  fc.record({ mode: fc.constant("dual-write"), commit: durationDistributionArbitrary }, { requiredKeys: ["mode"] }),
  fc.record(
    {
      mode: fc.constant("outbox"),
      commit: durationDistributionArbitrary,
      relay: fc.record(
        {
          pollInterval: millis(1, 200),
          batchSize: fc.integer({ min: 1, max: 50 }),
          confirmTimeout: millis(20, 2000),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ["mode"] },
  ),
);

const producerFeaturesArbitrary = fc.record(
  {
    writes: writesArbitrary,
    delay: boundedDelayArbitrary,
    notBeforeMs: fc.integer({ min: 0, max: 2000 }),
    schedule: fc.record(
      { every: millis(5, 300), missed: fc.constantFrom("skip", "catchUp", "all") },
      { requiredKeys: ["every"] },
    ),
    batch: fc.record({ size: fc.integer({ min: 1, max: 20 }), linger: millis(0, 50) }, { requiredKeys: ["size"] }),
  },
  { requiredKeys: [] },
);

const consumerBatchArbitrary = fc.record(
  { size: fc.integer({ min: 1, max: 20 }), wait: millis(0, 50), overhead: micros(0, 2000) },
  { requiredKeys: ["size"] },
);

type MessageFeaturesDraw = {
  producers: Partial<Record<"writes" | "delay" | "notBeforeMs" | "schedule" | "batch", unknown>>[];
  batches: ({ size: number } | null)[];
};

const messageFeaturesArbitrary: fc.Arbitrary<MessageFeaturesDraw> = fc.record({
  producers: fc.array(producerFeaturesArbitrary, { maxLength: 2 }),
  batches: fc.array(fc.option(consumerBatchArbitrary), { maxLength: 2 }),
});

/** The broker section as the profile parses it (its batch limits read settings), or null if it does not parse. */
function parsedBroker(broker: WrittenScenario): BrokerSpec | null {
  const parsed = profileNamed(String(broker.profile)).schema.safeParse(broker);
  return parsed.success ? (parsed.data as BrokerSpec) : null;
}

/** A drawn batch size within the profile's limit, or null where the profile refuses batches. */
function sizeWithin(size: number, batching: ConsumerBatching | ProducerBatching): number | null {
  if ("refused" in batching) return null;
  return Math.min(size, batching.maxSize?.size ?? size);
}

function placeMessageFeatures(
  drawn: MessageFeaturesDraw,
  broker: WrittenScenario,
  producers: WrittenScenario[],
  consumers: WrittenScenario[],
): void {
  const spec = parsedBroker(broker);
  const delays = profileNamed(String(broker.profile)).facts.delay.mechanism !== "none";
  drawn.producers.forEach((features, i) => {
    const producer = producers[i];
    if (producer === undefined) return;
    placeProducerFeatures(features, producer, delays, spec === null ? null : producerBatching(spec));
  });
  drawn.batches.forEach((batch, i) => {
    const group = consumers[i];
    if (batch === null || group === undefined || spec === null || group.steps !== undefined) return;
    const batching = consumerBatching(spec);
    const size = sizeWithin(batch.size, batching);
    if (size === null) return;
    group.batch = { ...batch, size };
    // Kafka: a batch is one poll, processed in the poll loop, so a batch consumer has one worker.
    if ("oneWorker" in batching && batching.oneWorker !== undefined) group.concurrency = 1;
  });
}

function placeProducerFeatures(
  features: MessageFeaturesDraw["producers"][number],
  producer: WrittenScenario,
  delays: boolean,
  batching: ProducerBatching | null,
): void {
  const { writes, delay, notBeforeMs, schedule, batch } = features;
  if (writes !== undefined) {
    producer.writes = writes;
    // An outbox's relay already resends from durable rows; the schema refuses resendOnRestart beside it.
    const publish = producer.publish as { resendOnRestart?: boolean } | undefined;
    if ((writes as { mode: string }).mode === "outbox" && publish?.resendOnRestart !== undefined)
      producer.publish = { ...publish, resendOnRestart: false };
  }
  if (delays && delay !== undefined) producer.delay = delay;
  if (delays && notBeforeMs !== undefined) producer.notBefore = `${notBeforeMs}ms`;
  if (schedule !== undefined) {
    // A recurring producer has a schedule instead of a rate or an arrival process.
    delete producer.rate;
    delete producer.arrival;
    producer.schedule = schedule;
  }
  const size = batch === undefined || batching === null ? null : sizeWithin((batch as { size: number }).size, batching);
  if (size !== null) producer.batch = { ...(batch as object), size };
}

/** Drawn after every other field (see scenarioArbitrary); uses the producers' writes arbitrary above. */
const stageExtrasArbitrary: fc.Arbitrary<StageExtrasDraw> = fc.record(
  { writes: writesArbitrary, loopMaxHops: fc.integer({ min: 1, max: 4 }) },
  { requiredKeys: [] },
);
