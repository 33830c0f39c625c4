// Proves redis-list's rules: BRPOP hands each message to the longest-blocked consumer, a pop is final so a crash after it loses exactly what was in flight, and a failed processing loses the message.
import { describe, expect, it } from "vitest";
import { evaluateChecks } from "../../../src/index.js";
import { every100ms, messagesIn, redis, run } from "./run.js";

describe("redis-list", () => {
  it("loses exactly the message popped by a consumer that crashes before processing it", () => {
    const { result, log } = run({
      duration: "600ms",
      broker: redis("redis-list"),
      producers: [every100ms()],
      consumers: [{ group: "g", processing: "150ms" }],
      faults: [{ at: "250ms", crash: "consumer", target: "g", point: "after-receive", restartAfter: "100ms" }],
      expect: { delivery: "at-most-once" },
    });
    expect(log.lines.slice(7, 13)).toEqual([
      "t=250000 delivered m1 g0 c0 waited 50000",
      "t=250000 fault consumer-crash g/1 began",
      "t=300000 published m2",
      "t=300000 accepted m2",
      "t=350000 fault consumer-crash g/1 ended",
      "t=350000 delivered m2 g0 c0 waited 50000",
    ]);
    expect(messagesIn(log.lines, "consumed")).toEqual([0, 2, 3, 4]);
    expect(result.counts).toMatchObject({ accepted: 5, consumed: 4, lost: 1, duplicated: 0, pending: 0, dropped: 0 });
    expect(result.examples.lost?.message).toBe(1);
    expect(evaluateChecks(result).every((check) => check.passed)).toBe(true);
  });

  it("loses every message the crashed consumer held, and no other", () => {
    const { result } = run({
      duration: "1s",
      broker: redis("redis-list"),
      producers: [every100ms()],
      consumers: [{ group: "g", concurrency: 3, processing: "250ms" }],
      faults: [{ at: "450ms", crash: "consumer", target: "g", restartAfter: "100ms" }],
    });
    // At 450 ms it is processing m1, m2 and m3 (delivered at 200, 300 and 400 ms).
    expect(result.faults[0]!.effects.deliveriesHeld).toBe(3);
    expect(result.counts).toMatchObject({ accepted: 9, consumed: 6, lost: 3, redeliveries: 0 });
  });

  it("serves blocked consumers first come, first served", () => {
    const { log } = run({
      duration: "1s",
      broker: redis("redis-list"),
      producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" }, limit: 7 }],
      consumers: [{ group: "g", instances: 3, processing: "10ms" }],
    });
    const consumers = log.lines.filter((line) => line.includes(" delivered ")).map((line) => line.split(" ")[4]);
    expect(consumers).toEqual(["c0", "c1", "c2", "c0", "c1", "c2", "c0"]);
  });

  it("pushes every message to every group's list", () => {
    const { result } = run({
      broker: redis("redis-list"),
      consumers: [
        { group: "billing", instances: 2, processing: "2ms" },
        { group: "audit", processing: "1ms" },
      ],
    });
    expect(result.counts.consumed).toBe(2 * result.counts.published);
    expect(result.counts.lost + result.counts.duplicated + result.counts.pending).toBe(0);
  });

  it("loses a message whose processing failed: the pop already removed it", () => {
    const { result, log } = run({
      duration: "2s",
      broker: redis("redis-list"),
      producers: [{ name: "p", rate: "50/s" }],
      consumers: [{ group: "g", processing: "1ms" }],
      faults: [{ poison: { fraction: 0.1 } }],
    });
    const poisoned = result.faults[0]!.effects.poisonMessages!;
    expect(poisoned).toBeGreaterThan(0);
    expect(log.matching("processing-failed")).toHaveLength(poisoned);
    expect(result.counts).toMatchObject({ lost: poisoned, dropped: poisoned, redeliveries: 0, deadLettered: 0 });
  });
});
