// Proves runs of the Redis profiles (lists, reliable lists, streams, pub/sub) and BullMQ that retire messages give the same results: generated runs over what each broker holds, with retirement forced after every event and with it off.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validScenarioArbitrary } from "../../src/explore/scenario-arbitrary.js";
import { type ParsedScenario, validateScenario } from "../../src/index.js";
import { mayRetire } from "../../src/run/retirement.js";
import { redisLoadScenario } from "../helpers/redis-load.js";
import { bothWays, generatedSameRetiringOrNot, sameRetiringOrNot } from "../helpers/retirement.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const PROFILES = ["redis-list", "redis-reliable-list", "redis-streams", "redis-pubsub", "bullmq"] as const;
type Profile = (typeof PROFILES)[number];

/** Each profile's settings over what its broker keeps: processing lists and the reaper, PELs and claims, output buffers, locks and kept jobs. */
const settingsOf: Record<Profile, fc.Arbitrary<Record<string, unknown>>> = {
  "redis-list": fc.record({ version: fc.constantFrom("7.0", "7.2") }),
  "redis-reliable-list": fc.record({
    visibilityTimeout: fc.constantFrom("20ms", "200ms", "30s"),
    reaperInterval: fc.constantFrom("10ms", "100ms", "1s"),
  }),
  "redis-streams": fc.record(
    {
      MAXLEN: fc.constantFrom(null, 5, 50, 400),
      approximate: fc.boolean(),
      "stream-node-max-entries": fc.constantFrom(4, 100),
      COUNT: fc.constantFrom(null, 1, 10),
      NOACK: fc.boolean(),
      claimInterval: fc.constantFrom(null, "20ms", "200ms"),
      "min-idle-time": fc.constantFrom("10ms", "100ms", "1s"),
      claimCount: fc.constantFrom(2, 100),
      readPendingOnRestart: fc.boolean(),
      maxDeliveries: fc.constantFrom(null, 2, 5),
    },
    { requiredKeys: [] },
  ),
  "redis-pubsub": fc.record({
    "client-output-buffer-limit": fc.constantFrom("32mb 8mb 60", "2kb 1kb 1", "0 0 0"),
    socketBuffers: fc.constantFrom(3_800_000, 1_000),
    reconnectBase: fc.constantFrom("5ms", "50ms"),
  }),
  bullmq: fc.record(
    {
      lockDuration: fc.constantFrom("30ms", "300ms", "30s"),
      stalledInterval: fc.constantFrom("20ms", "200ms", "30s"),
      maxStalledCount: fc.constantFrom(0, 1, 3),
      attempts: fc.constantFrom(1, 3),
      backoff: fc.constantFrom({ type: "fixed", delay: "5ms" }, { type: "exponential", delay: "2ms" }),
      delay: fc.constantFrom("0ms", "15ms"),
      priority: fc.constantFrom("none", "from-message"),
      removeOnComplete: fc.constantFrom(false, true, 0, 20),
      removeOnFail: fc.constantFrom(false, true, 5),
      limiter: fc.constantFrom({ max: 20, duration: "50ms" }),
    },
    { requiredKeys: [] },
  ),
};

const profileRun = fc.constantFrom(...PROFILES).chain((profile) =>
  fc.record({
    profile: fc.constant(profile),
    settings: settingsOf[profile],
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    instances: fc.integer({ min: 1, max: 3 }),
    concurrency: fc.integer({ min: 1, max: 3 }),
    groups: fc.integer({ min: 1, max: 2 }),
    rate: fc.constantFrom(200, 800),
    meanMs: fc.constantFrom(1, 3, 8),
    latencyUs: fc.constantFrom(0, 300, 3000),
    poison: fc.constantFrom(0, 0.02),
    crash: fc.option(
      fc.record({ at: fc.integer({ min: 100, max: 1900 }), mode: fc.constantFrom("process", "hang", "host") }),
      { nil: undefined },
    ),
    stopAt: fc.option(fc.integer({ min: 100, max: 1900 }), { nil: undefined }),
    slowAt: fc.option(fc.integer({ min: 100, max: 1500 }), { nil: undefined }),
    producerCrashAt: fc.option(fc.integer({ min: 100, max: 1900 }), { nil: undefined }),
  }),
);
type RedisRun = typeof profileRun extends fc.Arbitrary<infer T> ? T : never;

function faultsOf(run: RedisRun, groups: string[]): Record<string, unknown>[] {
  const last = groups.at(-1)!;
  return [
    ...(run.crash === undefined
      ? []
      : [{ at: `${run.crash.at}ms`, crash: "consumer", target: "g0/1", mode: run.crash.mode, restartAfter: "300ms" }]),
    ...(run.stopAt === undefined
      ? []
      : [{ at: `${run.stopAt}ms`, stop: "consumer", target: `${last}/1`, restartAfter: "300ms" }]),
    ...(run.slowAt === undefined ? [] : [{ at: `${run.slowAt}ms`, for: "300ms", slow: { target: "g0", factor: 20 } }]),
    ...(run.producerCrashAt === undefined
      ? []
      : [{ at: `${run.producerCrashAt}ms`, crash: "producer", target: "load", restartAfter: "200ms" }]),
    ...(run.poison > 0 ? [{ poison: { fraction: run.poison, producer: "load" } }] : []),
  ];
}

function redisScenario(run: RedisRun): ParsedScenario {
  const faults = (groups: string[]) => faultsOf(run, groups);
  return redisLoadScenario(run, { duration: "2s", drainTimeout: "2s", settings: run.settings, faults });
}

describe("redis profiles and bullmq: retiring messages changes no result", () => {
  it("generated runs of every profile, with crashes, stops, slow consumers, poison and claims: the same summary", () => {
    const retired = sameRetiringOrNot(fc.sample(profileRun, { seed: 23, numRuns: 100 }), redisScenario);
    // A message that stays in play (a poison message a reliable list's reaper returns for ever, an entry a
    // crashed consumer keeps pending with no claim) pins the watermark; most runs still retire.
    expect(retired).toBeGreaterThan(70);
  });

  it("the swarm's generator on these profiles (drawn settings, every fault kind): the same summary", () => {
    const space = { settings: "drawn", profiles: PROFILES, messageFeatures: false } as const;
    const inputs = fc.sample(validScenarioArbitrary(space), { seed: 31, numRuns: 80 });
    const { retiring, retired } = generatedSameRetiringOrNot(inputs);
    // Some drawn features still keep every row (mayRetire); the rest retire.
    expect(retiring).toBeGreaterThan(15);
    expect(retired).toBeGreaterThan(12);
  });

  it("a Redis crash keeps no profile from retiring (retirement-redis-crash.test.ts runs them)", () => {
    const withCrash = (profile: Profile) => {
      const result = validateScenario({
        ...scenarioInput({ broker: { profile } }),
        faults: [{ at: "1s", crash: "broker", restartAfter: "1s" }],
      });
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      return result.scenario;
    };
    for (const profile of PROFILES) {
      expect(mayRetire(parsed(scenarioInput({ broker: { profile } }))), profile).toBe(true);
      expect(mayRetire(withCrash(profile)), profile).toBe(true);
    }
    const { off, forced, table } = bothWays(withCrash("redis-pubsub"));
    expect(forced).toBe(off);
    expect(table.base).toBeGreaterThan(0);
  });
});
