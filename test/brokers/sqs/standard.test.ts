// Proves the standard queue's anomalies: a delete that misses a stored copy brings the message back (a duplicate without any failure), and best-effort order never jumps more than reorderWindow - 1 older visible messages.
import { describe, expect, it } from "vitest";
import { deterministic, oneMessage, run } from "./run.js";

describe("sqs standard queue", () => {
  it("a copy that missed the delete comes back when the receipt's timeout ends: a duplicate", () => {
    const { log, result } = run({
      duration: "2s",
      drainTimeout: "5m",
      broker: {
        profile: "sqs",
        settings: { ...deterministic, duplicateProbability: 1, RedrivePolicy: { maxReceiveCount: 2 } },
      },
      producers: oneMessage,
      consumers: [{ group: "g", processing: "10ms" }],
    });
    expect(log.lines).toEqual([
      "t=1000000 published m0",
      "t=1000000 accepted m0",
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=1010000 effect m0 g0 c0 x1",
      "t=1010000 consumed m0 g0 c0 x1",
      "t=31000000 delivered m0 g0 c0 waited 30000000 attempt 2",
      "t=31010000 effect m0 g0 c0 x2",
      "t=31010000 consumed m0 g0 c0 x2",
      "t=61000000 dead-lettered m0 g0 maxReceiveCount",
    ]);
    expect(result.counts).toMatchObject({ duplicated: 1, lost: 0 });
  });

  it("with duplicateProbability 0 and no failures, every message is consumed exactly once", () => {
    const { result } = run({
      duration: "5s",
      broker: { profile: "sqs", settings: { duplicateProbability: 0 } },
      network: { latency: "10ms" },
      producers: [{ name: "p", rate: "200/s" }],
      consumers: [{ group: "g", instances: 4, processing: { dist: "exponential", mean: "5ms" } }],
    });
    expect(result.counts.consumed).toBe(result.counts.published);
    expect(result.counts.duplicated + result.counts.lost + result.counts.pending).toBe(0);
  });

  it("reorders within the window: no message overtakes reorderWindow or more older visible ones", () => {
    const scenario = (reorderWindow: number) => ({
      duration: "1s",
      broker: { profile: "sqs", settings: { ...deterministic, reorderWindow } },
      producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" }, limit: 30 }],
      consumers: [{ group: "g", processing: "5ms" }],
      expect: { ordering: "per-producer" },
    });
    const inOrder = run(scenario(1));
    expect(inOrder.result.outOfOrder).toBe(0);
    const { log, result } = run(scenario(4));
    expect(result.outOfOrder).toBeGreaterThan(0);
    const order = log.matching("delivered").map((line) => Number(line.split(" ")[2]!.slice(1)));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // Every message published by the time of a delivery was visible then (processing outlasts the 1 ms gap).
    order.forEach((message, position) => {
      const olderStillWaiting = order.slice(position + 1).filter((later) => later < message).length;
      expect(olderStillWaiting).toBeLessThanOrEqual(3);
    });
  });
});
