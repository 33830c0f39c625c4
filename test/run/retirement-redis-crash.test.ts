// Proves runs of the Redis keyspace profiles (lists, reliable lists, streams) and BullMQ with Redis crashes give the same results retiring messages or not: the rollback to the last snapshot or fsync brings back only messages the profiles still hold.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validScenarioArbitrary } from "../../src/explore/scenario-arbitrary.js";
import type { ParsedScenario } from "../../src/index.js";
import { bothWays, generatedSameRetiringOrNot, sameRetiringOrNot } from "../helpers/retirement.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const PROFILES = ["redis-list", "redis-reliable-list", "redis-streams", "bullmq"] as const;
type Profile = (typeof PROFILES)[number];

/**
 * How Redis persists, which decides what a crash rolls back: RDB save points that hold within the run
 * (`1 1` saves every 2 s, `1 20` every 2 s once 20 changes are made), the AOF fsynced every second or
 * left to the OS (30 s: the whole run is rolled back by a host crash), or nothing (a crash wipes the keys).
 */
const persistence = fc.constantFrom(
  { save: "1 1" },
  { save: "1 20 5 1" },
  { appendonly: true, appendfsync: "everysec" },
  { appendonly: true, appendfsync: "no" },
  { appendonly: true, appendfsync: "always" },
  { save: "" },
);

/** Each profile's settings over what a rollback restores: list heads, owners, cursors, PEL entries, job states. */
const settingsOf: Record<Profile, fc.Arbitrary<Record<string, unknown>>> = {
  "redis-list": fc.record({ version: fc.constantFrom("7.0", "7.2") }),
  "redis-reliable-list": fc.record({
    visibilityTimeout: fc.constantFrom("20ms", "200ms", "30s"),
    reaperInterval: fc.constantFrom("10ms", "100ms"),
  }),
  "redis-streams": fc.record(
    {
      MAXLEN: fc.constantFrom(null, 5, 50, 400),
      approximate: fc.boolean(),
      "stream-node-max-entries": fc.constantFrom(4, 100),
      COUNT: fc.constantFrom(null, 1, 10),
      NOACK: fc.boolean(),
      claimInterval: fc.constantFrom(null, "20ms", "200ms"),
      "min-idle-time": fc.constantFrom("10ms", "100ms"),
      readPendingOnRestart: fc.boolean(),
      maxDeliveries: fc.constantFrom(null, 2, 5),
    },
    { requiredKeys: [] },
  ),
  bullmq: fc.record(
    {
      lockDuration: fc.constantFrom("30ms", "300ms"),
      stalledInterval: fc.constantFrom("20ms", "200ms"),
      maxStalledCount: fc.constantFrom(0, 1, 3),
      attempts: fc.constantFrom(1, 3),
      backoff: fc.constantFrom({ type: "fixed", delay: "5ms" }, { type: "exponential", delay: "2ms" }),
      delay: fc.constantFrom("0ms", "15ms"),
      priority: fc.constantFrom("none", "from-message"),
      removeOnComplete: fc.constantFrom(false, true, 20),
      removeOnFail: fc.constantFrom(false, true, 5),
    },
    { requiredKeys: [] },
  ),
};

/** A memory limit low enough to evict (lists, streams) or refuse writes (bullmq's noeviction) during a backlog. */
const memoryOf = (profile: Profile) =>
  fc.constantFrom(
    {},
    profile === "bullmq" ? { maxmemory: "1mb" } : { maxmemory: "1mb", "maxmemory-policy": "allkeys-lru" },
  );

const crashRun = fc.constantFrom(...PROFILES).chain((profile) =>
  fc.record({
    profile: fc.constant(profile),
    settings: settingsOf[profile],
    persistence,
    memory: memoryOf(profile),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    instances: fc.integer({ min: 1, max: 2 }),
    concurrency: fc.integer({ min: 1, max: 3 }),
    groups: fc.integer({ min: 1, max: 2 }),
    rate: fc.constantFrom(300, 800),
    meanMs: fc.constantFrom(1, 3),
    latencyUs: fc.constantFrom(0, 300),
    crashes: fc.array(
      fc.record({
        at: fc.integer({ min: 200, max: 3400 }),
        failure: fc.constantFrom("process", "host"),
        downMs: fc.constantFrom(50, 400),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    consumerCrashAt: fc.option(fc.integer({ min: 100, max: 3000 }), { nil: undefined }),
    poison: fc.constantFrom(0, 0.02),
  }),
);
type CrashRun = typeof crashRun extends fc.Arbitrary<infer T> ? T : never;

function faultsOf(run: CrashRun): Record<string, unknown>[] {
  return [
    ...run.crashes.map((crash) => ({
      at: `${crash.at}ms`,
      crash: "broker",
      mode: crash.failure,
      restartAfter: `${crash.downMs}ms`,
    })),
    ...(run.consumerCrashAt === undefined
      ? []
      : [{ at: `${run.consumerCrashAt}ms`, crash: "consumer", target: "g0/1", restartAfter: "300ms" }]),
    ...(run.poison > 0 ? [{ poison: { fraction: run.poison, producer: "load" } }] : []),
  ];
}

function crashScenario(run: CrashRun): ParsedScenario {
  const groups = Array.from({ length: run.groups }, (_, k) => `g${k}`);
  return parsed(
    scenarioInput({
      seed: run.seed,
      duration: "4s",
      drainTimeout: "3s",
      broker: { profile: run.profile, settings: { ...run.settings, ...run.persistence, ...run.memory } },
      network: { latency: `${run.latencyUs}us` },
      producers: [
        {
          name: "load",
          rate: `${run.rate}/s`,
          ...(run.profile === "bullmq" ? { priority: { weights: { 0: 80, 9: 20 } } } : {}),
        },
      ],
      consumers: groups.map((group) => ({
        group,
        instances: run.instances,
        concurrency: run.concurrency,
        processing: { dist: "exponential", mean: `${run.meanMs}ms` },
      })),
      faults: faultsOf(run),
    }),
  );
}

describe("redis keyspace profiles and bullmq through Redis crashes: retiring messages changes no result", () => {
  it("generated runs with one or two crashes over every persistence mode: the same summary, most retiring", () => {
    const runs = fc.sample(crashRun, { seed: 41, numRuns: 80 });
    const retired = sameRetiringOrNot(runs, crashScenario);
    // A run keeps what a crash may bring back until the data is durable again; with the AOF left to the OS
    // (30 s) or a poison message a reliable list returns for ever, it keeps everything, but most retire.
    expect(retired).toBeGreaterThanOrEqual(0.6 * runs.length);
  });

  it("the swarm's generator on these profiles with broker crashes (drawn settings): the same summary", () => {
    const space = {
      settings: "drawn",
      profiles: PROFILES,
      kinds: ["broker-crash", "broker-crash", "consumer-crash", "slow-consumer", "loss", "poison"],
      maxFaults: 4,
    } as const;
    const inputs = fc
      .sample(validScenarioArbitrary(space), { seed: 43, numRuns: 160 })
      .filter((input) => JSON.stringify(input).includes('"crash":"broker"'))
      .slice(0, 60);
    expect(inputs.length).toBeGreaterThan(30);
    const { retiring, retired } = generatedSameRetiringOrNot(inputs);
    // A crash no longer keeps every row; a short run on RDB's default save points (never a snapshot) or with
    // a message that stays in play retires nothing, but most retire.
    expect(retiring).toBe(inputs.length);
    expect(retired).toBeGreaterThan(inputs.length / 2);
  });

  it("a list popped before an fsync and one popped after it: only the second comes back, and is held until then", () => {
    for (const profile of PROFILES) {
      const scenario = parsed(
        scenarioInput({
          seed: 7,
          duration: "3s",
          drainTimeout: "2s",
          broker: { profile, settings: { appendonly: true, appendfsync: "everysec" } },
          producers: [{ name: "load", rate: "500/s" }],
          consumers: [{ group: "g0", instances: 2, concurrency: 2, processing: { dist: "constant", value: "1ms" } }],
          faults: [
            { at: "1500ms", crash: "broker", mode: "host", restartAfter: "100ms" },
            { at: "2500ms", crash: "broker", mode: "host", restartAfter: "100ms" },
          ],
        }),
      );
      const { off, forced, table } = bothWays(scenario);
      expect(forced, profile).toBe(off);
      // 2,500 messages: what the last second before each crash rolled back was held, the rest retired.
      expect(table.base, profile).toBeGreaterThan(1000);
    }
  });
});
