// Proves maxmemory in the keyed Redis profiles: noeviction (and volatile-*, as queue keys have no TTL) refuse writes with OOM once over the limit, allkeys-lru deletes the least recently used queue whole, and a stream keeps acked entries until trimmed.
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
    // Redis checks before the write: at 5000 B (<= 5 KiB) it still takes one more.
    const { result, log } = fillUp("redis-list", { maxmemory: "5kb", "maxmemory-policy": policy });
    expect(messagesIn(log.lines, "rejected")).toEqual([6, 7, 8]);
    expect(result.counts).toMatchObject({ accepted: 6, rejected: 3, lost: 0, dropped: 0 });
  });

  it("deletes the least recently used list whole with allkeys-lru, then the next one if that is not enough", () => {
    const { result, log } = run({
      duration: "1s",
      broker: redis("redis-list", { maxmemory: 3000, "maxmemory-policy": "allkeys-lru" }),
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
      // At 0.8 s the busy list alone (m3..m6) is over 3000 B: it goes too.
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
      broker: redis("redis-streams", { maxmemory: "5kb" }),
      producers: [every100ms()],
      consumers: [{ group: "g", processing: "1ms" }],
    });
    expect(result.counts).toMatchObject({ accepted: 6, rejected: 3, consumed: 6, lost: 0 });
  });

  it("never fills up a stream trimmed by MAXLEN", () => {
    const { result } = run({
      duration: "1s",
      broker: redis("redis-streams", { maxmemory: "5kb", MAXLEN: 3 }),
      producers: [every100ms()],
      consumers: [{ group: "g", processing: "1ms" }],
    });
    expect(result.counts).toMatchObject({ accepted: 9, rejected: 0, consumed: 9, lost: 0 });
  });

  it("evicts the whole stream with allkeys-lru: every group loses what it had not read", () => {
    const { result } = run({
      duration: "1s",
      broker: redis("redis-streams", { maxmemory: "5kb", "maxmemory-policy": "allkeys-lru" }),
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
