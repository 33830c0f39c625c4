// Proves runs of the Redis keyspace profiles (lists, reliable lists, streams) and BullMQ with Redis crashes give the same results retiring messages or not: the rollback to the last snapshot or fsync brings back only messages the profiles still hold.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validScenarioArbitrary } from "../../src/explore/scenario-arbitrary.js";
import type { ParsedScenario } from "../../src/index.js";
import { runScenario } from "../../src/pipeline/run-scenario.js";
import { redisLoadScenario } from "../helpers/redis-load.js";
import { generatedSameRetiringOrNot, sameRetiringOrNot, TableKeeper } from "../helpers/retirement.js";
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
      MAXLEN: fc.constantFrom(null, null, 5, 50, 400),
      approximate: fc.boolean(),
      "stream-node-max-entries": fc.constantFrom(1, 4, 100),
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
    meanMs: fc.constantFrom(1, 3, 8),
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
    // A backlog when the data is made durable: what a crash rolls the cursors and heads back over.
    slowAt: fc.option(fc.integer({ min: 100, max: 3000 }), { nil: undefined }),
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
    ...(run.slowAt === undefined ? [] : [{ at: `${run.slowAt}ms`, for: "500ms", slow: { target: "g0", factor: 20 } }]),
    ...(run.poison > 0 ? [{ poison: { fraction: run.poison, producer: "load" } }] : []),
  ];
}

function crashScenario(run: CrashRun): ParsedScenario {
  const settings = { ...run.settings, ...run.persistence, ...run.memory };
  return redisLoadScenario(run, { duration: "4s", drainTimeout: "3s", settings, faults: () => faultsOf(run) });
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

  it("a backlog when the AOF is fsynced, read on and rolled back by a host crash: the same results, retiring", () => {
    // Processing three times slower from 1 s to 1.6 s: about 140 messages wait at the fsync of 2 s, taken by
    // the crash at 2.5 s, which rolls heads, cursors, a stream's start or job states back over them.
    const slow = { at: "1s", for: "600ms", slow: { target: "g0", factor: 3 } };
    for (const [profile, settings] of BACKLOG_CASES) {
      const { off, forced } = crashedBothWays(profile, settings, [slow]);
      const what = `${profile} ${JSON.stringify(settings)}`;
      expect(forced.text, what).toBe(off.text);
      // 1,651 messages. The backlog of 2 s (from message 713 on; delayed jobs, 582) is taken again after each
      // restart, so a crash may bring it back until the next fsync, after the run's last event: it is held,
      // everything before it retired.
      expect(forced.table.base, what).toBeGreaterThan(500);
    }
  });

  it("jobs lost while their delay runs, entries trimmed unread, a stream cut back into a node: the same results", () => {
    const cases: {
      profile: Profile;
      settings: Record<string, unknown>;
      faults: object[];
      rate: string;
      base: number;
    }[] = [
      // 100 jobs a second, delayed 1.2 s: those added in the half second before the crash at 2.5 s are lost, and
      // their promotion timers fire after the restart and the next fsync (3.6 s), when nothing holds them. The
      // jobs active at the fsync come back active under a lock nobody renews: short locks let them go soon.
      {
        profile: "bullmq",
        settings: { delay: "1200ms", removeOnComplete: true, lockDuration: "50ms", stalledInterval: "50ms" },
        faults: [],
        rate: "100/s",
        base: 300,
      },
      // The group stops reading from 1.8 s to 2.4 s: MAXLEN trims what it has not read, before and after the
      // fsync of 2 s; the crash restores the stream's start of 2 s, and the group reads those entries after all.
      {
        profile: "redis-streams",
        settings: { MAXLEN: 20 },
        faults: [{ at: "1800ms", stop: "consumer", target: "g0/1", restartAfter: "600ms" }],
        rate: "400/s",
        base: 1400,
      },
      // Nodes of two entries, NOACK (no pending entry keeps older positions): the crash cuts the stream back to
      // its end at the fsync, in a node it must find whole to count its memory and to know whether the next entry
      // joins it.
      {
        profile: "redis-streams",
        settings: { "stream-node-max-entries": 2, NOACK: true },
        faults: [],
        rate: "400/s",
        base: 800,
      },
    ];
    for (const { profile, settings, faults, rate, base } of cases) {
      const { off, forced } = crashedBothWays(profile, settings, faults, ["2500ms"], rate);
      expect(forced.text, profile).toBe(off.text);
      // What was taken since the last fsync (3.6 s) is held at the end; the rest (about 80, 90%) retired.
      expect(forced.table.base, profile).toBeGreaterThan(base);
    }
  });
});

/** A run of 4 s (400 messages a second) with host crashes (at 2.5 s and 3.5 s), the AOF fsynced every second, off and forced. */
function crashedBothWays(
  profile: Profile,
  settings: Record<string, unknown>,
  faults: object[],
  crashes = ["2500ms", "3500ms"],
  rate = "400/s",
) {
  const scenario = parsed(
    scenarioInput({
      seed: 7,
      duration: "4s",
      drainTimeout: "3s",
      broker: { profile, settings: { appendonly: true, appendfsync: "everysec", ...settings } },
      producers: [{ name: "load", rate }],
      consumers: [{ group: "g0", processing: { dist: "constant", value: "2ms" } }],
      faults: [...faults, ...crashes.map((at) => ({ at, crash: "broker", mode: "host", restartAfter: "100ms" }))],
    }),
  );
  return { off: resultsOf(scenario, "off"), forced: resultsOf(scenario, { every: 1, rows: 16 }) };
}

/** Profiles and settings for the backlog a crash rolls back: a stream's positions let go one by one (one entry a node, one a read), with NOACK, trimmed by MAXLEN, or kept whole in nodes of four; BullMQ jobs delayed on add. */
const BACKLOG_CASES: [Profile, Record<string, unknown>][] = [
  ["redis-list", {}],
  ["redis-reliable-list", {}],
  ["redis-streams", { COUNT: 1, "stream-node-max-entries": 1 }],
  ["redis-streams", { COUNT: 1, "stream-node-max-entries": 1, NOACK: true }],
  ["redis-streams", { COUNT: 1, MAXLEN: 50 }],
  ["redis-streams", { "stream-node-max-entries": 4 }],
  ["bullmq", {}],
  ["bullmq", { delay: "300ms", removeOnComplete: true }],
];

/** The summary and the broker's figures (used_memory, which a crash's rebuild recounts), and the run's table. */
function resultsOf(scenario: ParsedScenario, retire: "off" | { every: number; rows: number }) {
  const keeper = new TableKeeper();
  const run = runScenario(scenario, { retire, observers: [keeper] });
  return { text: JSON.stringify({ summary: run.summary, figures: run.result.brokerFigures }), table: keeper.table! };
}
