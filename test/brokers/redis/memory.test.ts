// Proves maxmemory in the keyed Redis profiles against used_memory with Redis's own overheads: noeviction (and volatile-*, as queue keys have no TTL) refuse writes with OOM once over the limit, allkeys-lru deletes the least recently used queue whole, and a stream keeps acked entries until trimmed, and frees memory only by whole macro nodes.
import { describe, expect, it } from "vitest";
import { every100ms, messagesIn, redis, run } from "./run.js";

/** 1000-byte messages into one group whose consumer is down, so the list only grows. */
function fillUp(profile: string, settings: Record<string, unknown>) {
  return run({
    duration: "1s",
    broker: redis(profile, settings),
    producers: [every100ms()],
    consumers: [{ group: "g", processing: "1ms" }],
    faults: [{ at: 0, crash: "consumer", target: "g" }],
  });
}

describe("maxmemory", () => {
  it.each(["noeviction", "volatile-lru"])("refuses writes once over maxmemory with %s", (policy) => {
    // With no baseline, the list key costs 136 B and each 1,000-byte element 1,030 B. Redis checks
    // before the write: at 136 + 4 x 1,030 = 4,256 B (<= 5 KiB) it still takes m4, then refuses.
    const { result, log } = fillUp("redis-list", { maxmemory: "5kb", baselineMemory: 0, "maxmemory-policy": policy });
    expect(messagesIn(log.lines, "rejected")).toEqual([5, 6, 7, 8]);
    expect(result.counts).toMatchObject({ accepted: 5, rejected: 4, lost: 0, dropped: 0 });
  });

  it("counts the server's baseline: 1,000-byte LPUSHes into 10 MB stop at 9,210, as measured on Redis 7.0.15", () => {
    const { result } = run({
      duration: "1s",
      broker: redis("redis-list", { maxmemory: "10mb" }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "20000/s" } }],
      consumers: [{ group: "g", processing: "1ms" }],
      faults: [{ at: 0, crash: "consumer", target: "g" }],
    });
    expect(result.counts.accepted).toBe(9210);
  });

  it("deletes the least recently used list whole with allkeys-lru, then the next one if that is not enough", () => {
    const { result, log } = run({
      duration: "1s",
      // Two lists of three 1,000-byte elements (2 x (136 + 3 x 1,030)) are over 3,600 B.
      broker: redis("redis-list", { maxmemory: 3600, baselineMemory: 0, "maxmemory-policy": "allkeys-lru" }),
      producers: [every100ms()],
      // "idle" is pushed to first and never popped, so its list is the least recently used;
      // "busy" takes 250 ms a message, so its list grows too, and BRPOP keeps it recently used.
      consumers: [
        { group: "idle", processing: "1ms" },
        { group: "busy", processing: "250ms" },
      ],
      faults: [{ at: 0, crash: "consumer", target: "idle" }],
    });
    expect(log.matching("evicted")).toEqual([
      "t=400000 dropped m0 g0 evicted",
      "t=400000 dropped m1 g0 evicted",
      "t=400000 dropped m2 g0 evicted",
      "t=600000 dropped m3 g0 evicted",
      "t=600000 dropped m4 g0 evicted",
      "t=700000 dropped m5 g0 evicted",
      // At 0.8 s the busy list alone (m3..m6) is over 3,600 B: it goes too.
      "t=800000 dropped m6 g0 evicted",
      "t=800000 dropped m3 g1 evicted",
      "t=800000 dropped m4 g1 evicted",
      "t=800000 dropped m5 g1 evicted",
      "t=800000 dropped m6 g1 evicted",
    ]);
    expect(result.counts).toMatchObject({ accepted: 9, rejected: 0, lost: 11, dropped: 11, consumed: 7 });
  });

  it("fills up a stream that nobody trims, though every entry was acked", () => {
    const { result } = run({
      duration: "1s",
      broker: redis("redis-streams", { maxmemory: "5kb", baselineMemory: 0 }),
      producers: [every100ms()],
      consumers: [{ group: "g", processing: "1ms" }],
    });
    // Four 1,000-byte entries fill a 4 KB macro node (4,066 B of listpack: class 4,096, plus 30 B of
    // radix tree and the 136-byte key): 4,262 B. The fifth opens a node (1,030 B: class 1,280): 5,572 B.
    expect(result.counts).toMatchObject({ accepted: 5, rejected: 4, consumed: 5, lost: 0 });
    expect(result.brokerFigures?.used_memory).toBe(136 + 4096 + 30 + 1280 + 30);
  });

  it("frees a trimmed stream's memory only by whole macro nodes", () => {
    // MAXLEN 3 trims entries from the first node, but its memory stays until all four are gone.
    const tight = run({
      duration: "1s",
      broker: redis("redis-streams", { maxmemory: "5kb", baselineMemory: 0, MAXLEN: 3 }),
      producers: [every100ms()],
      consumers: [{ group: "g", processing: "1ms" }],
    });
    expect(tight.result.counts).toMatchObject({ accepted: 5, rejected: 4 });
  });

  it("never fills up a stream trimmed by MAXLEN when two macro nodes fit", () => {
    const { result } = run({
      duration: "1s",
      broker: redis("redis-streams", { maxmemory: "10kb", baselineMemory: 0, MAXLEN: 3 }),
      producers: [every100ms()],
      consumers: [{ group: "g", processing: "1ms" }],
    });
    expect(result.counts).toMatchObject({ accepted: 9, rejected: 0, consumed: 9, lost: 0 });
  });

  it("evicts the whole stream with allkeys-lru: every group loses what it had not read", () => {
    const { result } = run({
      duration: "1s",
      broker: redis("redis-streams", { maxmemory: "5kb", baselineMemory: 0, "maxmemory-policy": "allkeys-lru" }),
      producers: [every100ms()],
      consumers: [
        { group: "fast", processing: "1ms" },
        { group: "slow", processing: "1s" },
      ],
    });
    expect(result.counts.rejected).toBe(0);
    expect(result.counts.dropped).toBeGreaterThan(0);
    expect(result.counts.lost).toBe(result.counts.dropped);
  });
});

describe("BLMOVE under noeviction", () => {
  /** The list fills past 5 KiB while the only consumer is down; it comes back at 2 s. */
  function backlogOverLimit(profile: string) {
    return run({
      duration: "3s",
      drainTimeout: "10s",
      broker: redis(profile, { maxmemory: "5kb", baselineMemory: 0 }),
      producers: [every100ms({ limit: 9 })],
      consumers: [{ group: "g", processing: "1ms" }],
      faults: [{ at: 0, crash: "consumer", target: "g", restartAfter: "2s" }],
    });
  }

  it("refuses the consumers' BLMOVE (denyoom) over maxmemory: nothing drains, ever", () => {
    const { result } = backlogOverLimit("redis-reliable-list");
    // m0..m4 fill the list to 5,286 B; every BLMOVE from 2 s on, once a second, fails with OOM.
    expect(result.counts).toMatchObject({ accepted: 5, rejected: 4, consumed: 0, pending: 5 });
    expect(result.drained).toBe(false);
  });

  it("lets BRPOP (not denyoom) drain the same backlog", () => {
    const { result } = backlogOverLimit("redis-list");
    expect(result.counts).toMatchObject({ accepted: 5, rejected: 4, consumed: 5, pending: 0 });
  });

  it("serves a BLMOVE that was already blocked when memory went over the limit", () => {
    // The consumer is blocked before the first push and takes m0 at once; a busy one keeps the rest queued.
    const { result, log } = run({
      duration: "3s",
      drainTimeout: "10s",
      broker: redis("redis-reliable-list", { maxmemory: "5kb", baselineMemory: 0, fetchRetryDelay: "500ms" }),
      producers: [every100ms({ limit: 9 })],
      consumers: [{ group: "g", processing: "2s" }],
    });
    expect(log.lines.filter((line) => line.includes(" delivered "))[0]).toBe("t=100000 delivered m0 g0 c0 waited 0");
    // Its LREM at 2.1 s frees m0's 1,166 B (element and processing-list key): 5,422 - 1,166 <= 5 KiB,
    // so its next BLMOVE goes through; the backlog drains one by one.
    expect(result.counts.consumed).toBe(result.counts.accepted);
  });
});

describe("BLMOVE woken over maxmemory, by version", () => {
  /** Group a's list only grows (its consumer is down); group b's consumer is blocked on an empty list. */
  function woken(version: string) {
    return run({
      duration: "1s",
      drainTimeout: "5s",
      broker: redis("redis-reliable-list", { version, maxmemory: "5kb", baselineMemory: 0 }),
      producers: [every100ms({ limit: 9 })],
      consumers: [
        { group: "a", processing: "1ms" },
        { group: "b", processing: "1ms" },
      ],
      faults: [{ at: 0, crash: "consumer", target: "a" }],
    });
  }

  // Each publish adds 1,030 B to a's list (136 B more for the key) and, until b LREMs it, 1,166 B for b.
  it("7.0 serves the blocked BLMOVE that a push wakes, over the limit or not", () => {
    const { result, log } = woken("7.0");
    // m3's push takes memory to 5,422 B, over 5 KiB; b still gets m3 and LREMs it (4,256 B), so m4 is
    // accepted too (6,452 B, then 5,286 B), and m5 on are refused.
    expect(result.counts).toMatchObject({ accepted: 5, rejected: 4 });
    expect(log.lines.filter((line) => line.includes(" consumed ") && line.includes(" g1 "))).toHaveLength(5);
  });

  it("7.2 runs the woken BLMOVE again and refuses it with OOM: b is stuck from m3 on", () => {
    const { result, log } = woken("7.2");
    // m3's push takes memory to 5,422 B; b's BLMOVE, woken by it, fails, and so does every retry, and
    // with m3 still in b's list, every publish from m4 on is refused.
    expect(result.counts).toMatchObject({ accepted: 4, rejected: 5 });
    expect(log.lines.filter((line) => line.includes(" consumed ") && line.includes(" g1 "))).toHaveLength(3);
  });
});
