// Proves redis-reliable-list's rules: BLMOVE keeps a copy in the consumer's processing list, the reaper pushes stale items back after visibilityTimeout, so crashes and slow consumers give duplicates and nothing is counted or dead-lettered.
import { describe, expect, it } from "vitest";
import { every100ms, messagesIn, redis, run } from "./run.js";

const reaper = { visibilityTimeout: "1s", reaperInterval: "100ms" };

describe("redis-reliable-list", () => {
  it("re-pushes an item after the stale age: a crash after processing but before LREM gives a duplicate", () => {
    const { result, log } = run({
      duration: "1s",
      broker: redis("redis-reliable-list", reaper),
      producers: [every100ms({ limit: 1 })],
      consumers: [{ group: "g", processing: "50ms" }],
      faults: [{ at: 0, crash: "consumer", target: "g", point: "before-ack", restartAfter: "100ms" }],
      expect: { delivery: "at-least-once" },
    });
    expect(log.lines.filter((line) => !line.includes("fault"))).toEqual([
      "t=100000 published m0",
      "t=100000 accepted m0",
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=150000 effect m0 g0 c0 x1",
      "t=150000 consumed m0 g0 c0 x1",
      // BLMOVEd at 100 ms, stale from 1.1 s: the reaper's pass at 1.1 s moves it back.
      "t=1100000 delivered m0 g0 c0 waited 1000000 attempt 2",
      "t=1150000 effect m0 g0 c0 x2",
      "t=1150000 consumed m0 g0 c0 x2",
    ]);
    expect(result.counts).toMatchObject({ consumed: 1, duplicated: 1, lost: 0, pending: 0 });
  });

  it("loses nothing when a consumer crashes before processing: the item waits in its processing list", () => {
    const { result, log } = run({
      duration: "600ms",
      broker: redis("redis-reliable-list", reaper),
      producers: [every100ms()],
      consumers: [{ group: "g", processing: "150ms" }],
      faults: [{ at: "250ms", crash: "consumer", target: "g", point: "after-receive", restartAfter: "100ms" }],
      expect: { delivery: "exactly-once" },
    });
    expect(log.lines).toContain("t=1300000 delivered m1 g0 c0 waited 1100000 attempt 2");
    expect(messagesIn(log.lines, "consumed")).toEqual([0, 2, 3, 4, 1]);
    expect(result.counts).toMatchObject({ consumed: 5, lost: 0, duplicated: 0, pending: 0 });
  });

  it("duplicates the item of a consumer that is merely slow; its late LREM finds nothing", () => {
    const { result, log } = run({
      duration: "1s",
      broker: redis("redis-reliable-list", reaper),
      producers: [every100ms({ limit: 1 })],
      consumers: [{ group: "g", instances: 2, processing: "60ms" }],
      faults: [{ at: 0, for: "1s", slow: { target: "g/1", factor: 20 } }],
    });
    expect(log.lines.filter((line) => line.includes("delivered") || line.includes("consumed"))).toEqual([
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=1100000 delivered m0 g0 c1 waited 1000000 attempt 2",
      "t=1160000 consumed m0 g0 c1 x1",
      "t=1300000 consumed m0 g0 c0 x2",
    ]);
    expect(result.counts).toMatchObject({ duplicated: 1, pending: 0, lost: 0 });
  });

  it("re-pushes for ever an item whose processing always outlasts the stale age", () => {
    const { result } = run({
      duration: "1s",
      drainTimeout: "5s",
      broker: redis("redis-reliable-list", reaper),
      producers: [every100ms({ limit: 1 })],
      consumers: [{ group: "g", instances: 2, processing: "1.5s" }],
    });
    // Delivered at 0.1 s, then once a second; each consumer finishes 1.5 s after starting.
    expect(result.counts).toMatchObject({ deliveries: 6, consumed: 1, duplicated: 1 });
    expect(result.drained).toBe(false);
  });

  it("has no delivery counter: a message that always fails cycles until the run ends", () => {
    const { result } = run({
      duration: "1s",
      drainTimeout: "5s",
      broker: redis("redis-reliable-list", reaper),
      producers: [every100ms({ limit: 1 })],
      consumers: [{ group: "g", processing: "10ms" }],
      faults: [{ poison: { fraction: 1 } }],
    });
    // Delivered at 0.1 s, then every 1.1 s (1 s stale age, reaped on the 100 ms grid) until 6 s.
    expect(result.counts).toMatchObject({ deliveries: 6, deadLettered: 0, dropped: 0, pending: 1, lost: 0 });
  });
});
