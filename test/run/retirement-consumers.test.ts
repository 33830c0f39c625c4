// Proves runs with the consumer-side patterns (processing steps and retries, Kafka's retry topics among them, dependencies with breakers, limits, timeouts and faults, a group's batches, DLQ redrives) give the same results retiring messages as not: generated runs with retirement forced after every event and with it off.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validScenarioArbitrary } from "../../src/explore/scenario-arbitrary.js";
import type { ParsedScenario } from "../../src/index.js";
import { mayRetire } from "../../src/run/retirement.js";
import { bothWays, generatedSameRetiringOrNot, sameRetiringOrNot } from "../helpers/retirement.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/** Profiles that retire in these runs; redrives exist on the first three, batches on the first four. */
const PROFILES = [
  "fifo",
  "sqs",
  "sqs-fifo",
  "rabbitmq",
  "rabbitmq-quorum",
  "kafka",
  "redis-streams",
  "bullmq",
] as const;
const REDRIVES: readonly string[] = ["fifo", "sqs", "sqs-fifo"];
const BATCHES: readonly string[] = ["fifo", "sqs", "rabbitmq"];
/** Profiles with a broker-delayed retry (`retry: {via: broker}`: visibility, retry queues, retry topics). */
const BROKER_RETRIES: readonly string[] = ["sqs", "rabbitmq", "kafka"];

const dependency = fc.record({
  meanMs: fc.constantFrom(1, 4, 20),
  concurrency: fc.constantFrom(null, 2, 8),
  overflow: fc.constantFrom("queue", "refuse"),
  transient: fc.constantFrom(0, 0.1, 0.4),
  permanent: fc.constantFrom(0, 0.03),
  timeoutMs: fc.constantFrom(null, 3, 30),
  appliedOnTimeout: fc.constantFrom(0, 0.5, 1),
});

const retry = fc.record({
  maxAttempts: fc.constantFrom(1, 3, 6),
  backoff: fc.constantFrom(
    { type: "none" },
    { type: "fixed", delay: "5ms" },
    { type: "exponential", base: "2ms", cap: "200ms", jitter: "full" },
    { type: "exponential", base: "1ms", cap: "50ms", jitter: "decorrelated" },
  ),
  scope: fc.constantFrom("handler", "call"),
  onExhausted: fc.constantFrom("nack", "dead-letter", "drop", "park"),
  viaBroker: fc.boolean(),
});

const breaker = fc.record({
  window: fc.constantFrom({ type: "count", size: 10 }, { type: "time", length: "100ms" }),
  minimumCalls: fc.constantFrom(3, 10),
  openFor: fc.constantFrom("20ms", "300ms"),
  halfOpenCalls: fc.constantFrom(1, 3),
  // Not `nack`: a breaker open for long nacks a message back at every microsecond, millions of events (the
  // swarm's generator below draws it, within an event budget).
  whileOpen: fc.constantFrom("fail-fast", "pause"),
  scope: fc.constantFrom("group", "instance"),
});

const consumerRun = fc.constantFrom(...PROFILES).chain((profile) =>
  fc.record({
    profile: fc.constant(profile),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    instances: fc.integer({ min: 1, max: 3 }),
    concurrency: fc.integer({ min: 1, max: 3 }),
    rate: fc.constantFrom(200, 600),
    latencyUs: fc.constantFrom(0, 300, 3000),
    poison: fc.constantFrom(0, 0.02),
    /** The broker dead-letters a message on its second delivery (fifo's deliveryLimit, SQS's RedrivePolicy). */
    deliveryLimit: fc.boolean(),
    dependency,
    steps: fc.record({ workBefore: fc.boolean(), sideEffect: fc.boolean(), idempotencyKey: fc.boolean() }),
    retry: fc.option(retry, { nil: undefined }),
    breaker: fc.option(breaker, { nil: undefined }),
    rateLimit: fc.option(fc.constantFrom("300/s", "1000/s"), { nil: undefined }),
    batch: fc.option(fc.record({ size: fc.integer({ min: 2, max: 10 }), waitMs: fc.constantFrom(0, 5) }), {
      nil: undefined,
    }),
    redrive: fc.option(
      fc.array(fc.record({ at: fc.integer({ min: 200, max: 2200 }), rate: fc.constantFrom(null, "50/s", "2000/s") }), {
        minLength: 1,
        maxLength: 2,
      }),
      { nil: undefined },
    ),
    outage: fc.option(fc.record({ at: fc.integer({ min: 100, max: 1500 }), mode: fc.constantFrom("refuse", "hang") }), {
      nil: undefined,
    }),
    slowdownAt: fc.option(fc.integer({ min: 100, max: 1500 }), { nil: undefined }),
    burstAt: fc.option(fc.integer({ min: 100, max: 1500 }), { nil: undefined }),
    crash: fc.option(
      fc.record({ at: fc.integer({ min: 100, max: 1900 }), mode: fc.constantFrom("process", "hang", "host") }),
      { nil: undefined },
    ),
    stopAt: fc.option(fc.integer({ min: 100, max: 1900 }), { nil: undefined }),
    producerCrashAt: fc.option(fc.integer({ min: 100, max: 1900 }), { nil: undefined }),
    /** A slow spell of one instance (and a partition in it), with the broker quick to take its deliveries back. */
    takeBack: fc.option(
      fc.record({
        at: fc.integer({ min: 100, max: 1500 }),
        partition: fc.boolean(),
        target: fc.constantFrom("orders", "bulk"),
      }),
      { nil: undefined },
    ),
  }),
);
type ConsumerRun = typeof consumerRun extends fc.Arbitrary<infer T> ? T : never;

function dependencyOf(run: ConsumerRun): Record<string, unknown> {
  const d = run.dependency;
  return {
    latency: { dist: "exponential", mean: `${d.meanMs}ms` },
    concurrency: d.concurrency,
    overflow: d.overflow,
    errors: { transient: d.transient, permanent: d.permanent },
    timeout: d.timeoutMs === null ? null : `${d.timeoutMs}ms`,
    appliedOnTimeout: d.appliedOnTimeout,
  };
}

function faultsOf(run: ConsumerRun): Record<string, unknown>[] {
  const faults: Record<string, unknown>[] = [];
  if (run.outage !== undefined)
    faults.push({ at: `${run.outage.at}ms`, for: "300ms", outage: { dependency: "pay", mode: run.outage.mode } });
  if (run.slowdownAt !== undefined)
    faults.push({ at: `${run.slowdownAt}ms`, for: "200ms", slowdown: { dependency: "pay", factor: 10 } });
  if (run.burstAt !== undefined)
    faults.push({ at: `${run.burstAt}ms`, for: "200ms", errorBurst: { dependency: "pay", rate: 0.5 } });
  if (run.crash !== undefined)
    faults.push({
      at: `${run.crash.at}ms`,
      crash: "consumer",
      target: "orders/1",
      mode: run.crash.mode,
      restartAfter: "300ms",
    });
  if (run.stopAt !== undefined)
    faults.push({ at: `${run.stopAt}ms`, stop: "consumer", target: "orders/1", restartAfter: "300ms" });
  if (run.producerCrashAt !== undefined)
    faults.push({ at: `${run.producerCrashAt}ms`, crash: "producer", target: "load", restartAfter: "200ms" });
  if (run.poison > 0) faults.push({ poison: { fraction: run.poison, producer: "load" } });
  const takeBack = run.takeBack;
  if (takeBack !== undefined) {
    const target = takeBack.target === "bulk" && batchGroupOf(run).length > 0 ? "bulk" : "orders";
    // Still processing slowly what the broker took back and delivered elsewhere, maybe long settled there.
    faults.push({ at: `${takeBack.at}ms`, for: "400ms", slow: { target: `${target}/1`, factor: 200 } });
    if (takeBack.partition)
      faults.push({ at: `${takeBack.at + 10}ms`, for: "400ms", partition: { between: ["broker", `${target}/1`] } });
  }
  return faults;
}

const REDRIVE_POLICY = { maxReceiveCount: 2, deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:orders-dlq" };

/**
 * With a take-back drawn, the broker takes a delivery back soon after the consumer goes quiet or slow; with a
 * delivery limit, it dead-letters a message on its second delivery (counted again from a redrive).
 */
function settingsOf(run: ConsumerRun): Record<string, unknown> {
  const quick = run.takeBack !== undefined;
  const sqs = {
    ...(quick || run.deliveryLimit ? { VisibilityTimeout: 1 } : {}),
    ...(run.deliveryLimit ? { RedrivePolicy: REDRIVE_POLICY } : {}),
  };
  switch (run.profile) {
    case "fifo":
      return { ...(quick ? { crashDetection: "30ms" } : {}), ...(run.deliveryLimit ? { deliveryLimit: 2 } : {}) };
    case "sqs":
      // A batch is what one ReceiveMessage returns: up to 10.
      return { MaxNumberOfMessages: 10, ...sqs };
    case "sqs-fifo":
      return sqs;
    case "kafka":
      // Assigns at once and commits often, so a 2 s run retires (the log keeps every record from the lowest
      // commit, and by default the first assignment waits 3 s).
      return { "auto.commit.interval.ms": 50, "group.initial.rebalance.delay.ms": 0 };
    default:
      return {};
  }
}

/** A second group that processes in batches (batches and steps exclude each other), where the profile has them. */
function batchGroupOf(run: ConsumerRun): Record<string, unknown>[] {
  const batch = run.batch;
  if (batch === undefined || !BATCHES.includes(run.profile)) return [];
  return [
    {
      group: "bulk",
      instances: run.instances,
      concurrency: run.concurrency,
      processing: { dist: "exponential", mean: "1ms" },
      batch: { size: batch.size, wait: `${batch.waitMs}ms`, overhead: "1ms" },
    },
  ];
}

/** The group: steps calling `pay`, and the patterns drawn around them where the profile has them. */
function groupOf(run: ConsumerRun): Record<string, unknown> {
  const { retry: drawn, breaker: drawnBreaker } = run;
  const viaBroker = drawn?.viaBroker === true && BROKER_RETRIES.includes(run.profile);
  const retry =
    drawn === undefined
      ? undefined
      : {
          maxAttempts: drawn.maxAttempts,
          backoff:
            viaBroker && drawn.backoff.jitter === "decorrelated" ? { type: "fixed", delay: "5ms" } : drawn.backoff,
          // A retry via the broker runs every step again.
          scope: viaBroker ? "handler" : drawn.scope,
          onExhausted: drawn.onExhausted,
          ...(viaBroker ? { via: "broker" } : {}),
        };
  return {
    group: "orders",
    instances: run.instances,
    concurrency: run.concurrency,
    processing: "1ms",
    steps: [
      ...(run.steps.workBefore ? [{ work: { dist: "exponential", mean: "1ms" } }] : []),
      { call: "pay", sideEffect: run.steps.sideEffect, idempotencyKey: run.steps.idempotencyKey },
    ],
    ...(retry === undefined ? {} : { retry }),
    ...(drawnBreaker === undefined ? {} : { breakers: { pay: drawnBreaker } }),
    ...(run.rateLimit === undefined ? {} : { rateLimit: { type: "token-bucket", rate: run.rateLimit, burst: 10 } }),
    ...(run.redrive === undefined || !REDRIVES.includes(run.profile)
      ? {}
      : { redrive: run.redrive.map(({ at, rate }) => ({ at: `${at}ms`, ...(rate === null ? {} : { rate }) })) }),
  };
}

function consumerScenario(run: ConsumerRun): ParsedScenario {
  return parsed(
    scenarioInput({
      seed: run.seed,
      duration: "2s",
      drainTimeout: "2s",
      broker: { profile: run.profile, settings: settingsOf(run) },
      network: { latency: `${run.latencyUs}us` },
      producers: [{ name: "load", rate: `${run.rate}/s` }],
      dependencies: { pay: dependencyOf(run) },
      consumers: [groupOf(run), ...batchGroupOf(run)],
      faults: faultsOf(run),
    }),
  );
}

describe("consumer-side patterns: retiring messages changes no result", () => {
  it("generated runs with steps, retries, dependencies, breakers, limits, batches and redrives, under faults: the same summary", () => {
    const runs = fc.sample(consumerRun, { seed: 41, numRuns: 200 });
    const retired = sameRetiringOrNot(runs, consumerScenario);
    // A message that stays in play (one a crashed consumer left unacked to a long visibility timeout, a DLQ
    // waiting for a redrive at the end of the run) pins the watermark; most runs still retire.
    expect(retired).toBeGreaterThanOrEqual(150);
  });

  it("Kafka's retry topics (retries via the broker), under dependency faults, producer crashes and poison: the same summary", () => {
    const viaBroker: NonNullable<ConsumerRun["retry"]> = {
      maxAttempts: 3,
      backoff: { type: "none" },
      scope: "handler",
      onExhausted: "nack",
      viaBroker: true,
    };
    const runs = fc.sample(consumerRun, { seed: 43, numRuns: 60 }).map(
      (run): ConsumerRun => ({
        ...run,
        profile: "kafka",
        // One member, never crashed or stopped: a group that rebalances (a member joining, leaving or
        // timing out) commits nothing for seconds, and a 2 s run then retires nothing.
        instances: 1,
        crash: undefined,
        stopAt: undefined,
        takeBack: undefined,
        dependency: { ...run.dependency, transient: run.dependency.transient === 0 ? 0.1 : run.dependency.transient },
        retry: { ...viaBroker, ...run.retry, viaBroker: true },
      }),
    );
    const retired = sameRetiringOrNot(runs, consumerScenario);
    expect(retired).toBeGreaterThanOrEqual(45);
  });

  it("the swarm's generator with patterns and consumer batches (drawn settings, every fault kind): the same summary", () => {
    const space = { settings: "drawn", messageFeatures: true } as const;
    const inputs = fc
      .sample(validScenarioArbitrary(space), { seed: 53, numRuns: 400 })
      .filter((input) => {
        const consumers = (input as { consumers: Record<string, unknown>[] }).consumers;
        return consumers.some((c) => c.steps !== undefined || c.batch !== undefined || c.redrive !== undefined);
      })
      .slice(0, 80);
    expect(inputs.length).toBe(80);
    const { retiring, retired } = generatedSameRetiringOrNot(inputs);
    // Producer-side features, pipeline stages and broker crashes on some profiles keep every row (mayRetire).
    expect(retiring).toBeGreaterThan(15);
    expect(retired).toBeGreaterThan(10);
  });

  it("a DLQ redrive holds what it will move, and after its last action keeps no DLQ: the run retires past it", () => {
    const scenario = parsed(
      scenarioInput({
        duration: "3s",
        broker: { profile: "fifo", settings: { deliveryLimit: 1 } },
        producers: [{ name: "load", rate: "500/s" }],
        dependencies: { pay: { latency: "1ms" } },
        faults: [{ at: "200ms", for: "300ms", outage: { dependency: "pay" } }],
        consumers: [
          {
            group: "orders",
            concurrency: 4,
            steps: [{ call: "pay", sideEffect: true }],
            retry: { maxAttempts: 2, backoff: { type: "none" }, onExhausted: "dead-letter" },
            redrive: [{ at: "1s", rate: "1000/s" }],
          },
        ],
      }),
    );
    expect(mayRetire(scenario)).toBe(true);
    const { off, forced, table } = bothWays(scenario);
    expect(forced).toBe(off);
    const summary = JSON.parse(off) as { retries: { orders: { redriven: number; redrivenConsumed: number } } };
    expect(summary.retries.orders.redriven).toBeGreaterThan(100);
    expect(summary.retries.orders.redrivenConsumed).toBe(summary.retries.orders.redriven);
    // Everything moved back was consumed, so nearly the whole run retires.
    expect(table.base).toBeGreaterThan(1400);
  });

  it("a batch consumer still processing deliveries the broker took back and settled elsewhere holds them", () => {
    const settings = {
      fifo: { crashDetection: "30ms" },
      sqs: { MaxNumberOfMessages: 10, VisibilityTimeout: 1 },
      rabbitmq: { heartbeat: "1s" },
    };
    for (const [profile, brokerSettings] of Object.entries(settings)) {
      const scenario = parsed(
        scenarioInput({
          duration: "2s",
          drainTimeout: "2s",
          broker: { profile, settings: brokerSettings },
          producers: [{ name: "load", rate: "500/s" }],
          consumers: [
            {
              group: "bulk",
              instances: 2,
              concurrency: 2,
              processing: { dist: "exponential", mean: "1ms" },
              batch: { size: 10, wait: "5ms", overhead: "1ms" },
            },
          ],
          // bulk/1 crawls through its batches while the broker hands them to bulk/2, which settles them at once.
          faults: [
            { at: "500ms", for: "400ms", slow: { target: "bulk/1", factor: 200 } },
            { at: "510ms", for: "400ms", partition: { between: ["broker", "bulk/1"] } },
          ],
        }),
      );
      expect(mayRetire(scenario), profile).toBe(true);
      const { off, forced, table } = bothWays(scenario);
      expect(forced, profile).toBe(off);
      expect(table.base, profile).toBe(table.count);
    }
  });

  it("a redriven message's delivery limit counts from the move, in a table that wrapped long before", () => {
    // Calls fail from 2 s to 2.6 s: fifo dead-letters a message at its second nack; the redrive at 2.3 s moves
    // those back, whose rows are far from their ids by then, and they fail, and are nacked, again.
    const scenario = parsed(
      scenarioInput({
        duration: "3s",
        broker: { profile: "fifo", settings: { deliveryLimit: 2 } },
        producers: [{ name: "load", rate: "300/s" }],
        dependencies: { pay: { latency: "1ms" } },
        faults: [{ at: "2s", for: "600ms", outage: { dependency: "pay" } }],
        consumers: [
          {
            group: "orders",
            concurrency: 4,
            steps: [{ call: "pay", sideEffect: true }],
            retry: { maxAttempts: 1, onExhausted: "nack" },
            redrive: [{ at: "2300ms" }],
          },
        ],
      }),
    );
    expect(mayRetire(scenario)).toBe(true);
    const { off, forced, table } = bothWays(scenario);
    expect(forced).toBe(off);
    const summary = JSON.parse(off) as { retries: { orders: { redriven: number; redrivenDeadLettered: number } } };
    expect(summary.retries.orders.redriven).toBeGreaterThan(20);
    expect(summary.retries.orders.redrivenDeadLettered).toBeGreaterThan(0);
    expect(table.base).toBeGreaterThan(500);
  });
});
