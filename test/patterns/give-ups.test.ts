// Proves how every profile settles a message the application gives up on: dead-lettered or parked counts as dead-lettered only (never also pending, as Kafka's auto-commit once made it), dropped as lost; and what each profile does with a failure handed back as a nack.
import { describe, expect, it } from "vitest";
import { profiles } from "../../src/brokers/profiles.js";
import { runScenario } from "../../src/index.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/** Nine messages, one every 100 ms from 100 ms, each failing its one call permanently (a 400): nothing is retried. */
function failingEveryTime(profile: string, consumer: Record<string, unknown>) {
  return parsed(
    scenarioInput({
      duration: "1s",
      drainTimeout: "10s", // Kafka's group first forms after group.initial.rebalance.delay.ms (3 s)
      broker: { profile },
      producers: [{ name: "orders", arrival: { process: "constant", rate: "10/s" } }],
      dependencies: { payments: { latency: "1ms", errors: { permanent: 1 } } },
      consumers: [{ group: "billing", steps: [{ call: "payments" }], ...consumer }],
    }),
  );
}

const names = profiles.map((profile) => profile.name);

describe.each(names)("%s, a consumer that gives up on every message", (profile) => {
  it.each(["dead-letter", "park"])("%s: every message dead-lettered once, none pending, lost or consumed", (how) => {
    const m = runScenario(failingEveryTime(profile, { retry: { onExhausted: how } })).summary.messages;
    expect(m.published).toBe(9);
    expect([m.deadLettered, m.pending, m.lost, m.consumed, m.dropped]).toEqual([9, 0, 0, 0, 0]);
  });

  it("drop: every message dropped and lost, none pending", () => {
    const summary = runScenario(failingEveryTime(profile, { retry: { onExhausted: "drop" } })).summary;
    const m = summary.messages;
    expect([m.published, m.dropped, m.lost, m.pending, m.deadLettered, m.consumed]).toEqual([9, 9, 9, 0, 0, 0]);
    expect(summary.retries!.billing!.dropped).toBe(9);
  });
});

describe("a failure handed back to the broker (no retry policy: one attempt, then nack)", () => {
  /** [dead-lettered, lost, pending] after the drain, per profile, as docs/patterns.md's table says. */
  const expected: Record<string, [number, number, number]> = {
    // Kafka has no per-record nack: the application logs and skips (dropped, processing-failed).
    kafka: [0, 9, 0],
    // BullMQ's default attempts: 1 moves a failed job to the failed set.
    bullmq: [9, 0, 0],
    // 4.x's default delivery limit: dropped (no dead-letter exchange) on its 21st return, 189 deliveries in all.
    "rabbitmq-quorum": [0, 9, 0],
    // redis-list popped it: nothing holds it any more.
    "redis-list": [0, 9, 0],
    "redis-pubsub": [0, 9, 0],
  };

  it.each(Object.entries(expected))("%s: dead-lettered, lost, pending = %j", (profile, counts) => {
    const m = runScenario(failingEveryTime(profile, {})).summary.messages;
    expect([m.deadLettered, m.lost, m.pending]).toEqual(counts);
    expect(m.consumed).toBe(0);
  });

  it.each(["fifo", "rabbitmq", "sqs", "sqs-fifo", "redis-reliable-list", "redis-streams"])(
    "%s keeps every message: it is still in the broker when the drain ends (redelivered, requeued or pending)",
    (profile) => {
      const m = runScenario(failingEveryTime(profile, {})).summary.messages;
      expect([m.pending, m.lost, m.consumed]).toEqual([9, 0, 0]);
    },
  );
});
