// Proves redis-streams' rules: the PEL keeps a crashed consumer's entries pending until XAUTOCLAIM or a re-read from ID 0 (an entry XACKed is not re-read, even when its message is sent again), claims count deliveries, MAXLEN trims entries whether read or not, NOACK is at-most-once, and COUNT batches reads.
import { describe, expect, it } from "vitest";
import { evaluateChecks } from "../../../src/index.js";
import { every100ms, messagesIn, redis, run } from "./run.js";

/** Two consumers; g/1 crashes as it receives m0 (at 100 ms) and is restarted when producers stop. */
function crashOnFirstReceive(settings: Record<string, unknown>, restartAfter = "1s") {
  return run({
    duration: "300ms",
    broker: redis("redis-streams", settings),
    producers: [every100ms()],
    consumers: [{ group: "g", instances: 2, processing: "50ms" }],
    faults: [{ at: 0, crash: "consumer", target: "g/1", point: "after-receive", restartAfter }],
    expect: { delivery: "at-least-once" },
  });
}

describe("redis-streams", () => {
  it("leaves a crashed consumer's entry pending for ever without a claim: pending, not lost", () => {
    const { result, log } = crashOnFirstReceive({});
    expect(messagesIn(log.lines, "consumed")).toEqual([1]);
    expect(result.counts).toMatchObject({ accepted: 2, consumed: 1, pending: 1, lost: 0, redeliveries: 0 });
    // Nothing is scheduled to claim it, so the run drains at once.
    expect(result.drained).toBe(true);
    expect(evaluateChecks(result)[0]).toMatchObject({ name: "delivery: at-least-once", passed: false });
  });

  it("XAUTOCLAIMs an entry idle for min-idle-time: redelivered to a live consumer, delivery counter 2", () => {
    const { result, log } = crashOnFirstReceive({ claimInterval: "100ms", "min-idle-time": "500ms" });
    expect(log.lines.filter((line) => / m0( |$)/.test(line))).toEqual([
      "t=100000 published m0",
      "t=100000 accepted m0",
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=600000 delivered m0 g0 c1 waited 500000 attempt 2",
      "t=650000 effect m0 g0 c1 x1",
      "t=650000 consumed m0 g0 c1 x1",
    ]);
    expect(result.counts).toMatchObject({ consumed: 2, pending: 0, lost: 0, duplicated: 0 });
    expect(evaluateChecks(result)[0]?.passed).toBe(true);
  });

  it("lets a restarted consumer re-read its own pending entries from ID 0", () => {
    const { result, log } = crashOnFirstReceive({ readPendingOnRestart: true }, "200ms");
    expect(log.lines).toContain("t=300000 delivered m0 g0 c0 waited 200000 attempt 2");
    expect(result.counts).toMatchObject({ consumed: 2, pending: 0, lost: 0 });
  });

  it("re-reads from ID 0 once an entry XACKed and then sent again, behind one still pending: the resend's entry only", () => {
    // c0 dies holding m0, which stays pending ahead in the PEL. m1's confirm is lost, so the producer sends it
    // again: a second entry of m1, delivered to c1 after it XACKed the first. c1 crashes as it receives it and
    // re-reads its own pending entries on restart: m1 once, the acked entry being gone from the PEL.
    const { result, log } = run({
      duration: "500ms",
      broker: redis("redis-streams", { readPendingOnRestart: true }),
      producers: [every100ms({ limit: 2, publish: { timeout: "50ms", retries: 1 } })],
      consumers: [{ group: "g", instances: 2, processing: "10ms" }],
      faults: [
        { at: 0, crash: "consumer", target: "g/1", point: "after-receive" },
        { at: "150ms", for: "110ms", loss: { link: "broker->p", probability: 1 } },
        { at: "300ms", crash: "consumer", target: "g/2", point: "after-receive", restartAfter: "100ms" },
      ],
    });
    expect(log.lines.filter((line) => / delivered m1 /.test(line))).toEqual([
      "t=200000 delivered m1 g0 c1 waited 0",
      "t=350000 delivered m1 g0 c1 waited 150000",
      "t=450000 delivered m1 g0 c1 waited 250000 attempt 2",
    ]);
    expect(result.counts).toMatchObject({ consumed: 2, redeliveries: 2, pending: 0, lost: 0 });
  });

  it("claims a failing entry until maxDeliveries, then the application dead-letters it", () => {
    const { result, log } = run({
      duration: "300ms",
      broker: redis("redis-streams", { claimInterval: "100ms", "min-idle-time": "200ms", maxDeliveries: 3 }),
      producers: [every100ms({ limit: 1 })],
      consumers: [{ group: "g", instances: 2, processing: "50ms" }],
      faults: [{ poison: { fraction: 1 } }],
    });
    expect(log.lines).toEqual([
      "t=100000 published m0",
      "t=100000 accepted m0",
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=300000 delivered m0 g0 c1 waited 200000 attempt 2",
      "t=500000 delivered m0 g0 c1 waited 400000 attempt 3",
      "t=700000 dead-lettered m0 g0 max-deliveries",
    ]);
    expect(result.counts).toMatchObject({ deadLettered: 1, lost: 0, pending: 0 });
  });

  it("trims to exactly MAXLEN, dropping entries the group never read", () => {
    const { result, log } = run({
      duration: "1s",
      broker: redis("redis-streams", { MAXLEN: 3 }),
      producers: [every100ms()],
      consumers: [{ group: "g", processing: "1s" }],
    });
    // m0 is trimmed as m3 arrives, but the consumer is processing it: not lost. From m4 on, each XADD trims an unread entry.
    expect(log.matching("trimmed")).toEqual([
      "t=500000 dropped m1 g0 trimmed",
      "t=600000 dropped m2 g0 trimmed",
      "t=700000 dropped m3 g0 trimmed",
      "t=800000 dropped m4 g0 trimmed",
      "t=900000 dropped m5 g0 trimmed",
    ]);
    expect(messagesIn(log.lines, "consumed")).toEqual([0, 6, 7, 8]);
    expect(result.counts).toMatchObject({ accepted: 9, lost: 5, dropped: 5, pending: 0 });
  });

  it("trims only whole macro nodes with MAXLEN ~, keeping at least MAXLEN entries", () => {
    const { log } = run({
      duration: "1s",
      broker: redis("redis-streams", { MAXLEN: 3, approximate: true, "stream-node-max-entries": 2 }),
      producers: [every100ms()],
      consumers: [{ group: "g", processing: "1s" }],
    });
    // Nodes hold two entries: [m0 m1] goes when m4 arrives (m2..m4 remain), [m2 m3] with m6, [m4 m5] with m8.
    expect(log.matching("trimmed")).toEqual([
      "t=500000 dropped m1 g0 trimmed",
      "t=700000 dropped m2 g0 trimmed",
      "t=700000 dropped m3 g0 trimmed",
      "t=900000 dropped m4 g0 trimmed",
      "t=900000 dropped m5 g0 trimmed",
    ]);
  });

  it("loses a crashed consumer's entries with NOACK: nothing was pending", () => {
    const { result } = crashOnFirstReceive({ NOACK: true, claimInterval: "100ms", "min-idle-time": "500ms" });
    expect(result.counts).toMatchObject({ consumed: 1, lost: 1, pending: 0, redeliveries: 0 });
  });

  it("reads up to COUNT entries at a time, and reads again when the batch is done", () => {
    const { log } = run({
      duration: "1s",
      broker: redis("redis-streams", { COUNT: 3 }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" }, limit: 6 }],
      consumers: [{ group: "g", processing: "10ms" }],
    });
    const deliveredAt = log.lines.filter((line) => line.includes(" delivered ")).map((line) => line.split(" ")[0]);
    // m0 alone (nothing else yet), then m1..m3 after m0, then m4 and m5 after that batch.
    expect(deliveredAt).toEqual(["t=1000", "t=11000", "t=11000", "t=11000", "t=41000", "t=41000"]);
  });
});
