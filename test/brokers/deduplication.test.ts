// Proves Kafka's idempotent producer and SQS FIFO's 5-minute deduplication window remove the duplicates that producer retries cause, and only them.
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/** Confirms are lost for 1 s; the producer retries after 50 ms, so each publish in that window is sent again. */
function lostConfirms(broker: Record<string, unknown>, publish: Record<string, unknown> = {}) {
  return simulate(
    parsed(
      scenarioInput({
        duration: "5s",
        drainTimeout: "20m",
        broker,
        network: { latency: "1ms" },
        producers: [
          {
            name: "p",
            arrival: { process: "constant", rate: "10/s" },
            keys: { count: 3 },
            publish: { timeout: "50ms", retries: 2, backoff: "10ms", ...publish },
          },
        ],
        consumers: [{ group: "g", processing: "5ms" }],
        faults: [{ at: "1s", for: "1s", loss: { link: "broker->p", probability: 1 } }],
      }),
    ),
  );
}

describe("broker-side deduplication of producer retries", () => {
  // Kafka's own client retries (request.timeout.ms), not the scenario's publish policy: make it as quick.
  const quickRetries = { "request.timeout.ms": 50 };

  it("kafka: the idempotent producer (default) writes each record once", () => {
    const result = lostConfirms({ profile: "kafka", serviceTime: 0, settings: quickRetries });
    expect(result.counts.deduplicated).toBeGreaterThanOrEqual(10);
    expect(result.counts).toMatchObject({ republished: 0, duplicated: 0, lost: 0 });
  });

  it("kafka: without idempotence (or with acks=1) the retries are written again", () => {
    for (const settings of [{ "enable.idempotence": false }, { acks: "1" }]) {
      const result = lostConfirms({ profile: "kafka", serviceTime: 0, settings: { ...quickRetries, ...settings } });
      expect(result.counts.deduplicated).toBe(0);
      expect(result.counts.duplicated).toBe(10);
    }
  });

  it("sqs-fifo: a resend within 5 minutes is acknowledged and dropped", () => {
    const result = lostConfirms({ profile: "sqs-fifo" });
    expect(result.counts.deduplicated).toBeGreaterThanOrEqual(10);
    expect(result.counts).toMatchObject({ republished: 0, duplicated: 0, lost: 0 });
  });

  it("sqs-fifo: a resend after the 5-minute window is a new message", () => {
    // The producer waits 6 minutes before its one resend: the deduplication id has expired by then.
    const result = lostConfirms({ profile: "sqs-fifo" }, { retries: 1, backoff: "6min" });
    expect(result.counts.deduplicated).toBe(0);
    expect(result.counts.duplicated).toBe(10);
  });

  it("sqs (standard) does not deduplicate", () => {
    const result = lostConfirms({ profile: "sqs", settings: { duplicateProbability: 0 } });
    expect(result.counts.deduplicated).toBe(0);
    expect(result.counts.duplicated).toBe(10);
  });
});
