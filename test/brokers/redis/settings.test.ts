// Proves the Redis profiles' settings: redis.conf names, units and defaults (Redis 7), the ~75k ops/s service time, and readable errors for mistakes.
import { describe, expect, it } from "vitest";
import { parseRedisBytes, parseSavePoints } from "../../../src/brokers/redis/settings.js";
import { validateScenario } from "../../../src/index.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";

function brokerOf(broker: Record<string, unknown>) {
  return parsed(scenarioInput({ broker })).broker as { serviceTime: unknown; settings: Record<string, unknown> };
}

function issues(broker: Record<string, unknown>) {
  const result = validateScenario(scenarioInput({ broker }));
  return result.ok ? [] : result.issues;
}

describe("Redis settings", () => {
  it("reads redis.conf memory units", () => {
    expect(parseRedisBytes("0")).toBe(0);
    expect(parseRedisBytes("1k")).toBe(1000);
    expect(parseRedisBytes("1kb")).toBe(1024);
    expect(parseRedisBytes("32mb")).toBe(32 * 1024 * 1024);
    expect(parseRedisBytes("2GB")).toBe(2 * 1024 ** 3);
    expect(parseRedisBytes("5 m")).toBe(5_000_000);
    expect(parseRedisBytes("lots")).toBeNull();
  });

  it("reads save points as pairs of seconds and changes", () => {
    expect(parseSavePoints("3600 1 300 100")).toEqual([
      { after: 3_600_000_000, changes: 1 },
      { after: 300_000_000, changes: 100 },
    ]);
    expect(parseSavePoints("")).toEqual([]);
    expect(parseSavePoints("60")).toBeNull();
  });

  it("fills Redis 7 defaults and a 13 us service time", () => {
    const list = brokerOf({ profile: "redis-list" });
    expect(list.serviceTime).toEqual({ dist: "constant", value: 13 });
    expect(list.settings).toEqual({
      version: "7.0",
      save: [
        { after: 3_600_000_000, changes: 1 },
        { after: 300_000_000, changes: 100 },
        { after: 60_000_000, changes: 10_000 },
      ],
      appendonly: false,
      appendfsync: "everysec",
      maxmemory: 0,
      baselineMemory: 1_000_000,
      "maxmemory-policy": "noeviction",
    });
    expect(brokerOf({ profile: "redis-streams" }).settings).toMatchObject({
      MAXLEN: null,
      approximate: false,
      COUNT: null,
      NOACK: false,
      claimInterval: null,
      "min-idle-time": 60_000_000,
      claimCount: 100,
      maxDeliveries: null,
      "stream-node-max-entries": 100,
      "stream-node-max-bytes": 4096,
    });
    expect(brokerOf({ profile: "redis-reliable-list" }).settings).toMatchObject({
      visibilityTimeout: 30_000_000,
      reaperInterval: 1_000_000,
      fetchRetryDelay: 1_000_000,
    });
    expect(brokerOf({ profile: "redis-pubsub" }).settings).toEqual({
      "client-output-buffer-limit": { hard: 32 * 1024 ** 2, soft: 8 * 1024 ** 2, softFor: 60_000_000 },
      reconnectBase: 50_000,
      reconnectGrowth: "exponential",
      reconnectMax: 5_000_000,
      reconnectJitter: 200_000,
      socketBuffers: 3_800_000,
    });
  });

  it("takes yes/no or booleans for appendonly, as redis.conf writes it", () => {
    expect(brokerOf({ profile: "redis-list", settings: { appendonly: "yes" } }).settings.appendonly).toBe(true);
    expect(brokerOf({ profile: "redis-list", settings: { appendonly: false } }).settings.appendonly).toBe(false);
  });

  it("suggests the setting meant when one is misspelled", () => {
    const found = issues({ profile: "redis-list", settings: { "maxmemory-polcy": "allkeys-lru" } });
    expect(found.some((issue) => issue.hint?.includes("maxmemory-policy"))).toBe(true);
  });

  it("rejects malformed values with what was expected", () => {
    expect(issues({ profile: "redis-list", settings: { save: "3600" } })[0]?.message).toContain("<seconds> <changes>");
    expect(issues({ profile: "redis-list", settings: { maxmemory: "lots" } })[0]?.message).toContain("redis.conf");
    const limit = issues({ profile: "redis-pubsub", settings: { "client-output-buffer-limit": "32mb 8mb" } });
    expect(limit[0]?.message).toContain("<soft seconds>");
    expect(issues({ profile: "redis-reliable-list", settings: { reaperInterval: 0 } })).toHaveLength(1);
  });

  it("has no persistence settings for pub/sub, which keeps nothing", () => {
    expect(issues({ profile: "redis-pubsub", settings: { appendonly: "yes" } })).toHaveLength(1);
  });
});
