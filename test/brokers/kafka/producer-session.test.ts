// Proves that idempotence holds per producer session: retries within a session are deduplicated, but a restarted producer (a new producer id) that sends again what it had not seen confirmed writes those records twice; transactions are what carry over a restart.
import { describe, expect, it } from "vitest";
import { FLAT_COST, runKafka } from "./run.js";

/** 1000 records/s, 5 ms each way to the broker; the producer dies at 1.0005 s and is back 100 ms later. */
function producerRestart(resendOnRestart: boolean, settings: Record<string, unknown> = {}) {
  return runKafka({
    duration: "2s",
    broker: {
      profile: "kafka",
      ...FLAT_COST,
      settings: { "linger.ms": 0, "group.initial.rebalance.delay.ms": 0, ...settings },
    },
    network: { latency: "5ms" },
    producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" }, publish: { resendOnRestart } }],
    consumers: [{ group: "g", processing: "10us" }],
    faults: [{ at: "1000500us", crash: "producer", target: "p", restartAfter: "100ms" }],
  });
}

describe("kafka idempotent producer sessions", () => {
  it("a restarted producer that sends again what it had not seen confirmed writes some records twice", () => {
    // At the crash, records sent from 0.991 s to 1.000 s had no confirm yet (10 ms round trip): 10 records.
    // Those sent by 0.995 s had been written; the 5 still on the way arrive while the producer is down, so they
    // too were sent by the session that died, and are written. The new producer id sends all 10 again: to the
    // broker they are new records, written a second time: 10 duplicates.
    const { result } = producerRestart(true);
    expect(result.counts.duplicated).toBe(10);
    expect(result.counts.lost).toBe(0);
  });

  it("without the resend, nothing is duplicated: the unconfirmed records are simply unknown to the producer", () => {
    const { result } = producerRestart(false);
    expect(result.counts.duplicated).toBe(0);
  });

  it("within one session, a retry of a record already written is confirmed, not written again", () => {
    // The confirms of 0.5-0.6 s are lost on the way back: the client retries after request.timeout.ms (50 ms)
    // and the broker answers from its sequence numbers.
    const { result } = runKafka({
      duration: "2s",
      broker: {
        profile: "kafka",
        ...FLAT_COST,
        settings: {
          "linger.ms": 0,
          "group.initial.rebalance.delay.ms": 0,
          "request.timeout.ms": 50,
          "delivery.timeout.ms": 1000,
        },
      },
      producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" } }],
      consumers: [{ group: "g", processing: "10us" }],
      faults: [{ at: "500ms", for: "100ms", loss: { link: "broker->p", probability: 1 } }],
    });
    expect(result.counts.duplicated).toBe(0);
    expect(result.counts.deduplicated).toBeGreaterThan(0);
  });
});
