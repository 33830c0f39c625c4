// Proves Kafka runs that retire messages, and let their partition logs go below the lowest committed offset, give the same results: generated runs of every commit mode with retirement forced after every event and with it off.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ParsedScenario, validateScenario } from "../../src/index.js";
import { mayRetire } from "../../src/run/retirement.js";
import { sameRetiringOrNot } from "../helpers/retirement.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/**
 * Kafka runs its profile lets retire (no broker crash, retention beyond the run, no transactions): every commit
 * mode, lanes (concurrency above 1), acks, replication, linger, latency, consumer crashes and stops, a producer
 * crash with its client's buffer, slow consumers. Retirement forced after every event lets the partition logs
 * go below the lowest committed offset too, so a record read again from there would throw.
 */
const kafkaRun = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  partitions: fc.integer({ min: 1, max: 6 }),
  brokers: fc.integer({ min: 1, max: 3 }),
  acks: fc.constantFrom("0", "1", "all"),
  commit: fc.constantFrom("auto", "after-processing", "before-processing"),
  autoCommitMs: fc.constantFrom(50, 500, 5000),
  lingerMs: fc.constantFrom(0, 5),
  maxPollRecords: fc.constantFrom(1, 10, 500),
  instances: fc.integer({ min: 1, max: 3 }),
  concurrency: fc.integer({ min: 1, max: 3 }),
  groups: fc.integer({ min: 1, max: 2 }),
  keys: fc.constantFrom(0, 5, 1000),
  latencyUs: fc.constantFrom(0, 300, 3000),
  crashAt: fc.option(fc.integer({ min: 100, max: 1900 }), { nil: undefined }),
  stopAt: fc.option(fc.integer({ min: 100, max: 1900 }), { nil: undefined }),
  producerCrashAt: fc.option(fc.integer({ min: 100, max: 1900 }), { nil: undefined }),
});

function kafkaScenario(run: typeof kafkaRun extends fc.Arbitrary<infer T> ? T : never): ParsedScenario {
  const groups = Array.from({ length: run.groups }, (_, k) => `g${k}`);
  const faults = [
    ...(run.crashAt === undefined
      ? []
      : [{ at: `${run.crashAt}ms`, crash: "consumer", target: "g0/1", restartAfter: "300ms" }]),
    ...(run.stopAt === undefined
      ? []
      : [{ at: `${run.stopAt}ms`, stop: "consumer", target: `${groups.at(-1)}/1`, restartAfter: "300ms" }]),
    ...(run.producerCrashAt === undefined
      ? []
      : [{ at: `${run.producerCrashAt}ms`, crash: "producer", target: "load", restartAfter: "200ms" }]),
  ];
  return parsed(
    scenarioInput({
      seed: run.seed,
      duration: "2s",
      broker: {
        profile: "kafka",
        partitions: run.partitions,
        brokers: run.brokers,
        settings: {
          acks: run.acks,
          "default.replication.factor": run.brokers,
          "linger.ms": run.lingerMs,
          "max.poll.records": run.maxPollRecords,
          "auto.commit.interval.ms": run.autoCommitMs,
          ...(run.commit === "auto" ? {} : { "enable.auto.commit": false, commit: run.commit }),
        },
      },
      network: { latency: `${run.latencyUs}us` },
      producers: [{ name: "load", rate: "800/s", ...(run.keys > 0 ? { keys: { count: run.keys } } : {}) }],
      consumers: groups.map((group) => ({
        group,
        instances: run.instances,
        concurrency: run.concurrency,
        processing: { dist: "exponential", mean: "3ms" },
      })),
      faults,
    }),
  );
}

describe("kafka: retiring messages and letting go of its logs changes no result", () => {
  it("generated kafka runs of every commit mode, with crashes and lanes: the same summary", () => {
    expect(sameRetiringOrNot(fc.sample(kafkaRun, { seed: 21, numRuns: 60 }), kafkaScenario)).toBeGreaterThan(40);
  });

  it("a broker crash keeps every row; retention within the run and transactions retire (retirement-kafka-transactions.test.ts)", () => {
    const base = kafkaScenario(fc.sample(kafkaRun, { seed: 3, numRuns: 1 })[0]!);
    const settings = base.broker.settings as Record<string, unknown>;
    const withSettings = (extra: Record<string, unknown>) =>
      ({ ...base, broker: { ...base.broker, settings: { ...settings, ...extra } } }) as ParsedScenario;
    const crash = validateScenario({
      ...scenarioInput({ broker: { profile: "kafka" } }),
      faults: [{ at: "1s", crash: "broker" }],
    });
    if (!crash.ok) throw new Error(JSON.stringify(crash.issues));
    expect(mayRetire(crash.scenario)).toBe(false);
    expect(mayRetire(withSettings({}))).toBe(true);
    expect(mayRetire(withSettings({ "retention.ms": 1000 }))).toBe(true);
    expect(mayRetire(withSettings({ "transaction.interval.ms": 100 }))).toBe(true);
  });
});
