// Proves the receive loop: short polls can come back empty and retry a round trip later, long polls return as soon as a message arrives, batches fill a consumer's buffer, and the in-flight limit and outages stop receives.
import { describe, expect, it } from "vitest";
import { deterministic, oneMessage, run } from "./run.js";

/** Three producers each publishing one message at t=1s: three messages visible at once. */
const threeAtOnce = ["a", "b", "c"].map((name) => ({
  name,
  arrival: { process: "constant", rate: "1/s" },
  limit: 1,
}));

describe("sqs receive loop", () => {
  it("a short poll can return empty although a message is visible; the consumer polls again a round trip later", () => {
    const shortPoll = { ...deterministic, WaitTimeSeconds: 0, receiveRoundTrip: "20ms" };
    const scenario = {
      seed: 3,
      duration: "2s",
      producers: oneMessage,
      consumers: [{ group: "g", processing: "10ms" }],
    };
    const sampled = run({
      ...scenario,
      broker: { profile: "sqs", settings: { ...shortPoll, emptyReceiveProbability: 0.6 } },
    });
    expect(sampled.log.matching("delivered")).toEqual(["t=1020000 delivered m0 g0 c0 waited 20000"]);
    const exact = run({
      ...scenario,
      broker: { profile: "sqs", settings: { ...shortPoll, emptyReceiveProbability: 0 } },
    });
    expect(exact.log.matching("delivered")).toEqual(["t=1000000 delivered m0 g0 c0 waited 0"]);
  });

  it("short polls keep their round-trip rhythm while the queue is empty", () => {
    const { log } = run({
      duration: "2s",
      broker: {
        profile: "sqs",
        settings: { ...deterministic, WaitTimeSeconds: 0, emptyReceiveProbability: 0, receiveRoundTrip: "300ms" },
      },
      producers: oneMessage,
      consumers: [{ group: "g", processing: "10ms" }],
    });
    // Polls reach SQS at 0, 300, 600, 900 and 1200 ms: the message published at 1 s waits for the last.
    expect(log.matching("delivered")).toEqual(["t=1200000 delivered m0 g0 c0 waited 200000"]);
  });

  it("a long poll returns as soon as a message arrives", () => {
    const { log } = run({
      duration: "2s",
      broker: { profile: "sqs", settings: { ...deterministic, receiveRoundTrip: "300ms" } },
      producers: oneMessage,
      consumers: [{ group: "g", processing: "10ms" }],
    });
    expect(log.matching("delivered")).toEqual(["t=1000000 delivered m0 g0 c0 waited 0"]);
  });

  it("a receive returns up to MaxNumberOfMessages; the consumer buffers what it cannot process yet", () => {
    const { log } = run({
      duration: "2s",
      broker: { profile: "sqs", settings: { ...deterministic, MaxNumberOfMessages: 3 } },
      producers: threeAtOnce,
      consumers: [{ group: "g", instances: 2, processing: "100ms" }],
    });
    expect(log.lines.filter((line) => /delivered|consumed/.test(line))).toEqual([
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=1000000 delivered m1 g0 c0 waited 0",
      "t=1000000 delivered m2 g0 c0 waited 0",
      "t=1100000 consumed m0 g0 c0 x1",
      "t=1200000 consumed m1 g0 c0 x1",
      "t=1300000 consumed m2 g0 c0 x1",
    ]);
  });

  it("a consumer that crashes on the first message of a batch leaves the rest in the queue", () => {
    const { log } = run({
      duration: "2s",
      drainTimeout: "1m",
      broker: { profile: "sqs", settings: { ...deterministic, MaxNumberOfMessages: 3 } },
      producers: threeAtOnce,
      consumers: [{ group: "g", instances: 2, processing: "100ms" }],
      faults: [{ at: "500ms", crash: "consumer", target: "g/1", point: "after-receive" }],
    });
    expect(log.lines.filter((line) => /delivered|consumed/.test(line))).toEqual([
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=1000000 delivered m1 g0 c1 waited 0",
      "t=1000000 delivered m2 g0 c1 waited 0",
      "t=1100000 consumed m1 g0 c1 x1",
      "t=1200000 consumed m2 g0 c1 x1",
      "t=31000000 delivered m0 g0 c1 waited 30000000 attempt 2",
      "t=31100000 consumed m0 g0 c1 x1",
    ]);
  });

  it("receives return nothing at the in-flight limit", () => {
    const { log } = run({
      duration: "2s",
      broker: { profile: "sqs", settings: { ...deterministic, inFlightLimit: 2 } },
      producers: threeAtOnce,
      consumers: [{ group: "g", instances: 3, processing: "100ms" }],
    });
    expect(log.matching("delivered")).toEqual([
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=1000000 delivered m1 g0 c1 waited 0",
      "t=1100000 delivered m2 g0 c2 waited 100000",
    ]);
  });

  it("an outage refuses publishes and receives but loses nothing; a delete sent during it fails", () => {
    const { log, result } = run({
      duration: "3s",
      broker: { profile: "sqs", settings: deterministic },
      producers: [{ name: "p", arrival: { process: "constant", rate: "2/s" } }],
      consumers: [{ group: "g", processing: "700ms" }],
      faults: [{ at: "1200ms", crash: "broker", restartAfter: "1s" }],
    });
    expect(log.lines.filter((line) => !/published|effect/.test(line))).toEqual([
      "t=500000 accepted m0",
      "t=500000 delivered m0 g0 c0 waited 0",
      "t=1000000 accepted m1",
      "t=1200000 fault broker-crash broker began",
      "t=1200000 consumed m0 g0 c0 x1",
      "t=1500000 rejected m2",
      "t=2000000 rejected m3",
      "t=2200000 fault broker-crash broker ended",
      "t=2200000 delivered m1 g0 c0 waited 1200000",
      "t=2500000 accepted m4",
      "t=2900000 consumed m1 g0 c0 x1",
      "t=2900000 delivered m4 g0 c0 waited 400000",
      "t=3600000 consumed m4 g0 c0 x1",
      // m0's delete failed during the outage, so it comes back when its timeout ends.
      "t=30500000 delivered m0 g0 c0 waited 30000000 attempt 2",
      "t=31200000 consumed m0 g0 c0 x2",
    ]);
    expect(result.counts).toMatchObject({ rejected: 2, lost: 0, pending: 0, duplicated: 1 });
  });
});
