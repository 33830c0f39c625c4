// Proves the shipped fault stories tell what their comments say, with exact counts on their fixed seeds.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, runScenario } from "../src/index.js";

function story(file: string) {
  const loaded = loadScenarioFile(join(import.meta.dirname, "..", "scenarios", file));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return runScenario(loaded.scenario).summary;
}

describe("stories", () => {
  it("dedup-store-crash: redeliveries after crashes, no payment taken twice", () => {
    const { messages } = story("dedup-store-crash.yaml");
    // Each dead worker was sent up to its prefetch of 10 before the broker noticed: 20 redeliveries, 2 of them
    // of messages it had already paid (duplicates whose payment the dedup store skipped).
    expect(messages).toMatchObject({ lost: 0, duplicated: 2, redeliveries: 20, sideEffectsRepeated: 0, pending: 0 });
  });

  it("dedup-store-window: the same crashes between effect and record take two payments twice", () => {
    const { messages, checks } = story("dedup-store-window.yaml");
    expect(messages).toMatchObject({ lost: 0, duplicated: 2, sideEffectsRepeated: 2 });
    const failed = checks.find((check) => !check.passed);
    expect(failed?.counterExample?.likelyCause).toMatchObject({ kind: "consumer-crash", target: "payments/1" });
  });

  it("slow-consumer-backpressure: the queue fills, publishers block, nothing is lost, latency suffers", () => {
    const { messages, backpressure, latency } = story("slow-consumer-backpressure.yaml");
    expect(messages).toMatchObject({ lost: 0, pending: 0, rejected: 0 });
    expect(backpressure.maxDepth).toBe(2000);
    expect(backpressure.blockedMs).toBeGreaterThan(10_000);
    expect(latency.endToEnd.p99).toBeGreaterThan(250);
  });

  it("producer-retry-duplicates: confirms lost for 5 s make the producer publish again, and billing sees duplicates", () => {
    const { messages, faults } = story("producer-retry-duplicates.yaml");
    expect(messages).toMatchObject({ lost: 0, pending: 0, duplicated: 474, redeliveries: 0, unknown: 0 });
    expect(messages.republished).toBeGreaterThanOrEqual(messages.duplicated);
    expect(faults[0]).toMatchObject({ kind: "loss", target: "broker->orders", startMs: 10000, endMs: 15000 });
  });
  it("bullmq-worker-crash: a dead worker's jobs stall, come back at the 90 s check, and one receipt is sent twice", () => {
    const { messages, latency, faults } = story("bullmq-worker-crash.yaml");
    expect(faults[0]).toMatchObject({ kind: "consumer-crash", target: "emails/2", effects: { deliveriesHeld: 2 } });
    expect(messages).toMatchObject({
      published: 2315,
      lost: 0,
      pending: 0,
      redeliveries: 2,
      duplicated: 1,
      sideEffectsRepeated: 1,
      deadLettered: 0,
    });
    // Taken just before the crash at 40.1 s and moved back at 90 s: waited about 50 s.
    expect(latency.endToEnd.max).toBeGreaterThan(49_900);
    expect(latency.endToEnd.max).toBeLessThan(50_200);
  });
});
