// Proves batch consumers per profile: a batch is settled as a whole, and a crash mid-batch redelivers exactly the batch's unsettled part (processed or not) by the profile's own rule, while the settled batch before it never comes back.
import { describe, expect, it } from "vitest";
import { runScenario, simulate } from "../../src/index.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/**
 * Ten messages 1 ms apart; batches of 5, each message 100 ms. Batch A (m0-m4) is settled; batch B (m5-m9)
 * has processed m5 and m6 when the instance crashes `crashAt`, with m7 under way.
 */
function crashMidBatch(broker: Record<string, unknown>, crashAt: string) {
  const log = new EventLog();
  const input = scenarioInput({
    duration: "5s",
    drainTimeout: "2m",
    broker,
    producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" }, limit: 10 }],
    consumers: [{ group: "g", processing: "100ms", batch: { size: 5, wait: "300ms" } }],
    faults: [{ at: crashAt, crash: "consumer", target: "g/1", restartAfter: "1s" }],
  });
  const result = simulate(parsed(input), { observers: [log] });
  const messagesIn = (lines: string[]) => lines.map((line) => line.split(" ")[2]);
  return {
    result,
    log,
    redelivered: messagesIn(log.lines.filter((line) => line.includes(" delivered ") && line.includes(" attempt 2"))),
    effectedTwice: messagesIn(log.lines.filter((line) => line.includes(" effect ") && line.endsWith(" x2"))),
    firstRedeliveryAt: Number(
      log.lines
        .find((line) => line.includes(" attempt 2"))
        ?.split(" ")[0]
        ?.slice(2),
    ),
  };
}

const secondHalf = ["m5", "m6", "m7", "m8", "m9"];

describe("a crash mid-batch redelivers the batch's unsettled part", () => {
  it("sqs: nothing of batch B was deleted (DeleteMessageBatch never sent): all 5 visible again after the 30 s visibility timeout", () => {
    const broker = {
      profile: "sqs",
      settings: {
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 20,
        duplicateProbability: 0,
        staleReceiptDeleteProbability: 0,
        reorderWindow: 1,
      },
    };
    const run = crashMidBatch(broker, "800ms");
    expect(run.redelivered).toEqual(secondHalf);
    expect(run.effectedTwice).toEqual(["m5", "m6"]);
    // m5 came in the second ReceiveMessage, at 21 ms (one 20 ms round trip after the first): visible again 30 s later.
    expect(run.firstRedeliveryAt).toBe(30_021_000);
    expect(run.result.counts).toMatchObject({ lost: 0, duplicated: 2, sideEffectsRepeated: 2 });
    expect(run.result.batches?.g).toEqual({ bySize: [0, 0, 0, 0, 0, 3], started: 3, settled: 2, abandoned: 1 });
  });

  it("rabbitmq: the closed connection requeues every unacked delivery at once; the restarted instance gets the 5", () => {
    const run = crashMidBatch({ profile: "rabbitmq", settings: { prefetch: 10 } }, "800ms");
    expect(run.redelivered).toEqual(secondHalf);
    expect(run.effectedTwice).toEqual(["m5", "m6"]);
    // Requeued within the crash's instant; delivered when the instance is back, 1 s after the crash.
    expect(run.firstRedeliveryAt).toBe(1_800_000);
    expect(run.result.counts).toMatchObject({ lost: 0, duplicated: 2 });
  });

  it("kafka: batch A's commit moved the offset to 5; after the session timeout the group re-reads from it", () => {
    // The group's first assignment comes after group.initial.rebalance.delay.ms (3 s): one poll returns all 10.
    const run = crashMidBatch({ profile: "kafka", settings: { "enable.auto.commit": false } }, "3800ms");
    expect(run.redelivered).toEqual(secondHalf);
    expect(run.effectedTwice).toEqual(["m5", "m6"]);
    // The crashed member leaves when session.timeout.ms (45 s) runs out.
    expect(run.firstRedeliveryAt).toBeGreaterThanOrEqual(45_000_000);
    expect(run.result.counts).toMatchObject({ lost: 0, duplicated: 2 });
  });

  it("redis-streams: batch A was XACKed; batch B stays pending, and the restarted consumer re-reads its own pending entries", () => {
    const run = crashMidBatch({ profile: "redis-streams", settings: { readPendingOnRestart: true } }, "800ms");
    expect(run.redelivered).toEqual(secondHalf);
    expect(run.effectedTwice).toEqual(["m5", "m6"]);
    expect(run.result.counts).toMatchObject({ lost: 0, duplicated: 2 });
  });

  it("a dedup store makes the repeat harmless: the 2 processed messages are consumed again without their effect", () => {
    const log = new EventLog();
    const input = scenarioInput({
      duration: "1s",
      drainTimeout: "2m",
      broker: { profile: "rabbitmq", settings: { prefetch: 10 } },
      producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" }, limit: 10 }],
      consumers: [
        {
          group: "g",
          processing: "100ms",
          batch: { size: 5, wait: "300ms" },
          idempotency: { strategy: "dedup-store" },
        },
      ],
      faults: [{ at: "800ms", crash: "consumer", target: "g/1", restartAfter: "1s" }],
    });
    const result = simulate(parsed(input), { observers: [log] });
    expect(result.counts).toMatchObject({ lost: 0, sideEffectsRepeated: 0, duplicated: 2 });
  });
});

describe("expect.batches", () => {
  it("judges a group's batch figures as summary.json states them", () => {
    const input = scenarioInput({
      duration: "1s",
      broker: { profile: "fifo" },
      producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" }, limit: 3 }],
      consumers: [{ group: "g", processing: "1ms", batch: { size: 10, wait: "50ms" } }],
      expect: { batches: { g: { meanSize: { min: 3, max: 3 }, abandoned: { max: 0 }, batches: { min: 2 } } } },
    });
    const { summary } = runScenario(parsed(input));
    expect(summary.checks.map((check) => [check.name, check.passed, check.observed])).toEqual([
      ["batches.g.batches", false, "1"],
      ["batches.g.meanSize", true, "3"],
      ["batches.g.abandoned", true, "0"],
    ]);
  });
});

describe("batches settle as a unit", () => {
  it("nothing is acked before the whole batch is processed: a crash after 4 of its 5 effects brings all 5 back", () => {
    const log = new EventLog();
    const input = scenarioInput({
      duration: "1s",
      broker: { profile: "rabbitmq", settings: { prefetch: 10 } },
      producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" }, limit: 5 }],
      consumers: [{ group: "g", processing: "100ms", batch: { size: 5, wait: "300ms" } }],
      // A consumer crash at 450 ms, after 4 of the 5 effects and before the batch's ack: all 5 come back.
      faults: [{ at: "450ms", crash: "consumer", target: "g/1", restartAfter: "100ms" }],
    });
    const result = simulate(parsed(input), { observers: [log] });
    expect(log.matching("effect").length).toBe(4 + 5);
    expect(result.counts).toMatchObject({ deliveries: 10, redeliveries: 5, duplicated: 4, lost: 0 });
  });

  it("a free worker waits `wait` for its batch to fill, then takes what it has", () => {
    const log = new EventLog();
    const input = scenarioInput({
      duration: "1s",
      broker: { profile: "fifo" },
      producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" }, limit: 3 }],
      consumers: [{ group: "g", processing: "1ms", batch: { size: 10, wait: "50ms" } }],
    });
    const result = simulate(parsed(input), { observers: [log] });
    // Messages at 10, 20 and 30 ms; the wait began with the first at 10 ms, so the batch of 3 starts at 60 ms.
    expect(log.matching("effect")).toEqual([
      "t=61000 effect m0 g0 c0 x1",
      "t=62000 effect m1 g0 c0 x1",
      "t=63000 effect m2 g0 c0 x1",
    ]);
    expect(result.batches?.g).toEqual({
      bySize: [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
      started: 1,
      settled: 1,
      abandoned: 0,
    });
  });
});
