// Proves retiring settled messages from the message table changes no result: every shipped scenario and a generated set give byte-identical summaries with retirement forced after every event (from a 16-row table) and with it off, and a long steady run keeps only what is in flight.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventBudgetExceeded } from "../../src/engine/simulation.js";
import { validScenarioArbitrary } from "../../src/explore/scenario-arbitrary.js";
import { loadScenarioFile, type ParsedScenario, validateScenario } from "../../src/index.js";
import type { MessageTable } from "../../src/model/messages.js";
import { NullObserver } from "../../src/model/observer.js";
import { runScenario } from "../../src/pipeline/run-scenario.js";
import { mayRetire } from "../../src/run/retirement.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/** Keeps the run's message table, to look at what it still holds once the run has ended. */
class TableKeeper extends NullObserver {
  table: MessageTable | null = null;
  watch(messages: MessageTable): void {
    this.table = messages;
  }
}

const FORCED = { every: 1, rows: 16 } as const;

/** The summary with retirement off and forced, and the forced run's table. */
function bothWays(scenario: ParsedScenario) {
  const off = `${JSON.stringify(runScenario(scenario, { retire: "off" }).summary, null, 2)}\n`;
  const keeper = new TableKeeper();
  const forced = `${JSON.stringify(runScenario(scenario, { retire: FORCED, observers: [keeper] }).summary, null, 2)}\n`;
  return { off, forced, table: keeper.table! };
}

const scenarioDir = join(import.meta.dirname, "..", "..", "scenarios");
const files = readdirSync(scenarioDir).filter((file) => /\.(ya?ml|json)$/.test(file));

describe("retiring messages changes no result", () => {
  it.each(files)("%s: the same summary with retirement forced after every event as with it off", (file) => {
    const loaded = loadScenarioFile(join(scenarioDir, file));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const { off, forced, table } = bothWays(loaded.scenario);
    expect(forced).toBe(off);
    // Where the profile allows it, the 16-row table did retire messages (every shipped story makes more than 16).
    if (mayRetire(loaded.scenario)) expect(table.base).toBeGreaterThan(0);
    else expect(table.base).toBe(0);
  });

  it("generated scenarios (the swarm's generator: drawn settings, patterns and faults): the same summary", () => {
    // Writes, delays, schedules and batches keep every row (mayRetire): left out here, so the sample retires.
    const retiring = {
      settings: "drawn",
      profiles: ["rabbitmq", "rabbitmq-quorum", "fifo"],
      messageFeatures: false,
    } as const;
    const written = [
      ...fc.sample(validScenarioArbitrary(retiring), { seed: 12, numRuns: 80 }),
      ...fc.sample(validScenarioArbitrary({ settings: "drawn" }), { seed: 13, numRuns: 20 }),
    ];
    let retired = 0;
    for (const scenario of written) {
      const validated = validateScenario(scenario);
      if (!validated.ok) throw new Error(JSON.stringify(validated.issues));
      const capped = { ...validated.scenario, limits: { ...validated.scenario.limits, maxEvents: 200_000 } };
      let both: ReturnType<typeof bothWays>;
      try {
        both = bothWays(capped);
      } catch (error) {
        if (error instanceof EventBudgetExceeded) continue;
        throw error;
      }
      expect(both.forced, JSON.stringify(scenario)).toBe(both.off);
      if (both.table.base > 0) retired++;
    }
    expect(retired).toBeGreaterThan(20);
  });
});

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
    let retired = 0;
    for (const run of fc.sample(kafkaRun, { seed: 21, numRuns: 60 })) {
      const scenario = kafkaScenario(run);
      expect(mayRetire(scenario), JSON.stringify(run)).toBe(true);
      const { off, forced, table } = bothWays(scenario);
      expect(forced, JSON.stringify(run)).toBe(off);
      if (table.base > 0) retired++;
    }
    expect(retired).toBeGreaterThan(40);
  });

  it("a broker crash, retention within the run, transactions or retry topics keep every row", () => {
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
    expect(mayRetire(withSettings({ "retention.ms": 1000 }))).toBe(false);
    expect(mayRetire(withSettings({ "transaction.interval.ms": 100 }))).toBe(false);
  });
});

describe("memory bounded by what is in flight", () => {
  // Kafka (a partition per consumer) keeps its log back to the lowest committed offset: auto-commit every 5 s
  // holds about 18,000 more.
  for (const profile of ["rabbitmq", "fifo", "kafka"]) {
    it(`${profile}: a steady M/M/4 run of ~200,000 messages keeps a table of at most 2^16 rows, nearly all retired`, () => {
      const scenario = parsed(
        scenarioInput({
          duration: "55s",
          broker: profile === "kafka" ? { profile, partitions: 4 } : { profile },
          network: { latency: "200us" },
          producers: [{ name: "load", rate: "3600/s" }],
          consumers: [{ group: "workers", instances: 4, processing: { dist: "exponential", mean: "1ms" } }],
        }),
      );
      const keeper = new TableKeeper();
      const { summary } = runScenario(scenario, { observers: [keeper] });
      const table = keeper.table!;
      expect(summary.messages.published).toBeGreaterThan(190_000);
      // At 90% load the queue rarely holds more than a few hundred messages (M/M/4: P(wait > 100 ms) is
      // about e^-40), so retiring at each progress interval (2^16 events) never needs more than 2^16 rows.
      expect(table.capacity).toBeLessThanOrEqual(1 << 16);
      expect(table.count - table.base).toBeLessThan(1 << 16);
      expect(table.base).toBeGreaterThan(summary.messages.published - (1 << 16));
    });
  }
});

describe("a publish still on the wire keeps its message", () => {
  it("a resend that lands after the producer has its confirm or gave up is counted as without retirement", () => {
    // Latency spread well beyond the publish timeout: the three copies of a message overtake each other, and
    // often one reaches the broker after the producer has given up on it (a fifth of these seeds threw
    // before producers reported copies the broker has not answered); the broker then takes it again.
    let retired = 0;
    for (let seed = 1; seed <= 100; seed++) {
      // Half the seeds also make the broker's intake slow, so a copy waits there after it has landed.
      const profile = seed % 2 === 0 ? "fifo" : "rabbitmq";
      const serviceTime = seed % 4 < 2 ? "0ms" : { dist: "exponential", mean: "3ms" };
      const scenario = parsed(
        scenarioInput({
          seed,
          duration: "1s",
          broker: { profile, serviceTime },
          network: { latency: { dist: "exponential", mean: "4ms" } },
          producers: [{ name: "p", rate: "100/s", limit: 3, publish: { timeout: "2ms", retries: 2, backoff: "1ms" } }],
        }),
      );
      const { off, forced, table } = bothWays(scenario);
      expect(forced).toBe(off);
      if (table.base > 0) retired++;
    }
    expect(retired).toBeGreaterThan(90);
  });
});
