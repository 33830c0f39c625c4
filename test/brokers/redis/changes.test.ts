// Proves how the Redis profiles count changes (server.dirty, which RDB save points count), command by command as Redis 7.0's t_list.c, t_stream.c and blocked.c do.
import { describe, expect, it } from "vitest";
import { every100ms, redis, run } from "./run.js";

/** server.dirty at the end of a run without RDB (so nothing resets it). */
function changes(overrides: Record<string, unknown>): number {
  const { result } = run({ duration: "1s", ...overrides });
  return result.brokerFigures!.rdb_changes_since_last_save!;
}

describe("changes counted (rdb_changes_since_last_save)", () => {
  it("streams: XADD 1 each, a blocked XREADGROUP 0 (the consumer's creation 1), XACK 1 each", () => {
    const count = changes({
      broker: redis("redis-streams", { save: "" }),
      producers: [every100ms({ limit: 3 })],
      consumers: [{ group: "g", processing: "1ms" }],
    });
    expect(count).toBe(3 + 1 + 3);
  });

  it("streams: one XREADGROUP that finds a backlog counts 1 however many entries it returns", () => {
    const count = changes({
      broker: redis("redis-streams", { save: "" }),
      producers: [every100ms({ limit: 3 })],
      consumers: [{ group: "g", processing: "1ms" }],
      faults: [{ at: 0, crash: "consumer", target: "g", restartAfter: "500ms" }],
    });
    // 3 XADD; at 0.5 s one XREADGROUP (1) creates the consumer (1) and returns all 3; 3 XACK.
    expect(count).toBe(3 + 1 + 1 + 3);
  });

  it("streams: a MAXLEN trim inside XADD counts nothing", () => {
    const trimmed = changes({
      broker: redis("redis-streams", { save: "", MAXLEN: 1 }),
      producers: [every100ms({ limit: 3 })],
      consumers: [{ group: "g", processing: "1ms" }],
    });
    expect(trimmed).toBe(3 + 1 + 3);
  });

  it("streams: XAUTOCLAIM counts each entry claimed", () => {
    const count = changes({
      duration: "3s",
      broker: redis("redis-streams", { save: "", claimInterval: "1s", "min-idle-time": "500ms" }),
      producers: [every100ms({ limit: 2 })],
      consumers: [{ group: "g", instances: 2, processing: "300ms" }],
      // g/1 takes m0 at 0.1 s and dies with it; g/2 takes m1 at 0.2 s and XACKs it at 0.5 s.
      faults: [{ at: "150ms", crash: "consumer", target: "g/1" }],
    });
    // 2 XADD, 2 consumers created by blocked reads, 1 XACK; g/2's claim at 1.1 s takes m0 (1), then XACKs it (1).
    expect(count).toBe(2 + 2 + 1 + 1 + 1);
  });

  it("lists: LPUSH 1 per group, a blocked BRPOP 0, a BRPOP that finds an item 1", () => {
    const blocked = changes({
      broker: redis("redis-list", { save: "" }),
      producers: [every100ms({ limit: 3 })],
      consumers: [
        { group: "a", processing: "1ms" },
        { group: "b", processing: "1ms" },
      ],
    });
    expect(blocked).toBe(3 * 2);
    const backlog = changes({
      broker: redis("redis-list", { save: "" }),
      producers: [every100ms({ limit: 3 })],
      consumers: [{ group: "a", processing: "1ms" }],
      faults: [{ at: 0, crash: "consumer", target: "a", restartAfter: "500ms" }],
    });
    expect(backlog).toBe(3 + 3);
  });

  it("reliable lists: a BLMOVE that finds an item 1, each LREM 1", () => {
    const count = changes({
      broker: redis("redis-reliable-list", { save: "" }),
      producers: [every100ms({ limit: 3 })],
      consumers: [{ group: "a", processing: "1ms" }],
      faults: [{ at: 0, crash: "consumer", target: "a", restartAfter: "500ms" }],
    });
    expect(count).toBe(3 + 3 + 3);
  });
});

describe("changes counted on Redis 7.2 and later", () => {
  it("counts a blocked read served by a push, since 7.2 runs the command again", () => {
    const streams = changes({
      broker: redis("redis-streams", { save: "", version: "7.2" }),
      producers: [every100ms({ limit: 3 })],
      consumers: [{ group: "g", processing: "1ms" }],
    });
    expect(streams).toBe(3 + 1 + 3 + 3);
    const lists = changes({
      broker: redis("redis-list", { save: "", version: "7.2" }),
      producers: [every100ms({ limit: 3 })],
      consumers: [{ group: "a", processing: "1ms" }],
    });
    expect(lists).toBe(3 + 3);
  });
});
