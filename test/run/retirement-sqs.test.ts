// Proves SQS runs (standard and FIFO) that retire messages give the same results: generated runs over what the queues hold (visibility timeouts and heartbeats, receive counts and the DLQ, message groups, polling, throttled calls, delays, crashes) with retirement forced after every event and with it off.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ParsedScenario } from "../../src/index.js";
import { bothWays, sameRetiringOrNot } from "../helpers/retirement.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const crashAt = fc.option(fc.integer({ min: 100, max: 1900 }), { nil: undefined });

/**
 * Runs of both SQS profiles. Short visibility timeouts (5 ms against 3 ms of processing) make messages come back
 * while a consumer still works on them, so old receipt handles delete or fail; heartbeats extend them; poison
 * messages fail and come back at once, later or at their timeout, and the redrive policy dead-letters them; a
 * FIFO queue fed above its 300 calls/s throttles sends, deletes and visibility changes, which the SDK sends again
 * after a backoff; publish timeouts resend copies (FIFO deduplicates them, a standard queue takes them again, into
 * its DelaySeconds line too); consumers crash (a process, or a host whose receipts wait out their timeout) and
 * stop, the producer crashes, SQS is unavailable for a while.
 */
const sqsRun = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  fifo: fc.boolean(),
  rate: fc.constantFrom(200, 800),
  keys: fc.constantFrom(0, 3, 1000),
  visibility: fc.constantFrom("5ms", "50ms", "1s"),
  heartbeat: fc.boolean(),
  wait: fc.constantFrom(0, "100ms", 20),
  maxMessages: fc.constantFrom(1, 3, 10),
  maxReceiveCount: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  onFailure: fc.constantFrom(null, 0, "20ms"),
  delay: fc.constantFrom(0, "30ms"),
  duplicateProbability: fc.constantFrom(0.0001, 0.05),
  reorderWindow: fc.constantFrom(1, 4),
  sdkMaxAttempts: fc.integer({ min: 1, max: 5 }),
  poison: fc.constantFrom(0, 0.05),
  resends: fc.boolean(),
  instances: fc.integer({ min: 1, max: 3 }),
  concurrency: fc.integer({ min: 1, max: 3 }),
  groups: fc.integer({ min: 1, max: 2 }),
  latency: fc.constantFrom("0us", "300us", "3ms", "spread"),
  crashAt,
  hostCrash: fc.boolean(),
  stopAt: crashAt,
  producerCrashAt: crashAt,
  outageAt: crashAt,
});

type SqsRun = typeof sqsRun extends fc.Arbitrary<infer T> ? T : never;

function sqsSettings(run: SqsRun): Record<string, unknown> {
  const common = {
    VisibilityTimeout: run.visibility,
    // A beat well inside the shortest timeout, extending to 40 ms: a crashed holder's message returns soon.
    ...(run.heartbeat ? { visibilityHeartbeat: { every: "2ms", extendTo: "40ms" } } : {}),
    WaitTimeSeconds: run.wait,
    MaxNumberOfMessages: run.maxMessages,
    ...(run.maxReceiveCount === undefined ? {} : { RedrivePolicy: { maxReceiveCount: run.maxReceiveCount } }),
    visibilityTimeoutOnFailure: run.onFailure,
    DelaySeconds: run.delay,
    receiveRoundTrip: "2ms",
  };
  if (run.fifo) return { ...common, sdkMaxAttempts: run.sdkMaxAttempts };
  return { ...common, duplicateProbability: run.duplicateProbability, reorderWindow: run.reorderWindow };
}

function sqsFaults(run: SqsRun, lastGroup: string): Record<string, unknown>[] {
  const at = (ms: number | undefined, fault: Record<string, unknown>) =>
    ms === undefined ? [] : [{ at: `${ms}ms`, ...fault }];
  return [
    ...(run.poison > 0 ? [{ poison: { fraction: run.poison } }] : []),
    ...at(run.crashAt, {
      crash: "consumer",
      target: "g0/1",
      restartAfter: "300ms",
      ...(run.hostCrash ? { mode: "host" } : {}),
    }),
    ...at(run.stopAt, { stop: "consumer", target: `${lastGroup}/1`, restartAfter: "300ms" }),
    ...at(run.producerCrashAt, { crash: "producer", target: "load", restartAfter: "200ms" }),
    ...at(run.outageAt, { crash: "broker", restartAfter: "100ms" }),
  ];
}

function sqsScenario(run: SqsRun): ParsedScenario {
  const groups = Array.from({ length: run.groups }, (_, k) => `g${k}`);
  return parsed(
    scenarioInput({
      seed: run.seed,
      duration: "2s",
      drainTimeout: "10s",
      broker: { profile: run.fifo ? "sqs-fifo" : "sqs", settings: sqsSettings(run) },
      // Spread latency lets a resend overtake its first copy, or land long after it.
      network: { latency: run.latency === "spread" ? { dist: "exponential", mean: "2ms" } : run.latency },
      producers: [
        {
          name: "load",
          rate: `${run.rate}/s`,
          ...(run.keys > 0 ? { keys: { count: run.keys } } : {}),
          ...(run.resends ? { publish: { timeout: "4ms", retries: 2, backoff: "1ms" } } : {}),
        },
      ],
      consumers: groups.map((group) => ({
        group,
        instances: run.instances,
        concurrency: run.concurrency,
        processing: { dist: "exponential", mean: "3ms" },
      })),
      faults: sqsFaults(run, groups.at(-1)!),
    }),
  );
}

describe("sqs and sqs-fifo: retiring messages changes no result", () => {
  it("generated runs of both queue types, with timeouts, heartbeats, the DLQ, throttling and crashes: the same summary", () => {
    expect(sameRetiringOrNot(fc.sample(sqsRun, { seed: 23, numRuns: 60 }), sqsScenario)).toBeGreaterThan(50);
  });
});

describe("a message sent again while the queue holds it keeps its row until the queue is done with it", () => {
  it("resends that land while the first copy is delayed, visible or in flight: the same summary", () => {
    // A standard queue takes a resend as a new arrival of the same message: it is listed, delayed and received
    // again, so a second DelaySeconds entry, store entry or visibility timer can outlive the message's deletion.
    let retired = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const scenario = parsed(
        scenarioInput({
          seed,
          duration: "1s",
          broker: {
            profile: "sqs",
            settings: { DelaySeconds: seed % 3 === 0 ? 0 : "10ms", VisibilityTimeout: "5ms", receiveRoundTrip: "1ms" },
          },
          network: { latency: { dist: "exponential", mean: "2ms" } },
          producers: [{ name: "p", rate: "200/s", publish: { timeout: "3ms", retries: 3, backoff: "1ms" } }],
          consumers: [{ group: "g", instances: 2, processing: { dist: "exponential", mean: "2ms" } }],
        }),
      );
      const { off, forced, table } = bothWays(scenario);
      expect(forced, `seed ${seed}`).toBe(off);
      if (table.base > 0) retired++;
    }
    expect(retired).toBe(60);
  });
});
