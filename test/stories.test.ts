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

  it("video-pipeline: a crash after the dedup record loses one video's renditions before they exist; the other repeats a transcode", () => {
    const { messages, stages, endToEnd, checks } = story("video-pipeline.yaml");
    expect(checks.filter((check) => !check.passed).map((check) => check.name)).toEqual(["endToEnd.incomplete"]);
    expect(messages).toMatchObject({ published: 1946, lost: 0, duplicated: 2, sideEffectsRepeated: 1, pending: 0 });
    expect(stages?.transcode).toMatchObject({ received: 244, consumed: 244, publishedOnward: 729, duplicated: 2 });
    expect(stages?.renditions).toMatchObject({ received: 729, consumed: 729, publishedOnward: 729, lost: 0 });
    expect(stages?.notify?.gather).toEqual({ completed: 243, timedOut: 0, late: 0 });
    expect(endToEnd).toMatchObject({ roots: 244, completed: 243 });
  });

  it("saga-stuck-compensation: an auto-ack refund worker crashes holding one refund, and exactly one saga is stuck", () => {
    const { sagas, stages, checks } = story("saga-stuck-compensation.yaml");
    expect(sagas?.checkout).toMatchObject({
      started: 607,
      completed: 563,
      compensated: 43,
      stuck: 1,
      inFlight: 0,
      compensatedTwice: 0,
      compensations: { sent: 61, applied: 60, lost: 1 },
    });
    // 26 declined cards (stock released), 18 refused addresses (refund, then stock released).
    expect(stages?.shipping).toMatchObject({ received: 581, publishedOnward: 18 });
    expect(stages?.refund).toMatchObject({ received: 18, consumed: 17, lost: 1 });
    const failed = checks.filter((check) => !check.passed);
    expect(failed.map((check) => check.name)).toEqual(["sagas.checkout.stuck"]);
    expect(failed[0]?.counterExample?.events.at(-2)?.what).toBe("compensation to refund sent");
  });

  it("kafka-pipeline-transactions: a transactional stage's crash aborts its emails with its offsets; email gets exactly two per order", () => {
    const { messages, stages, endToEnd, checks } = story("kafka-pipeline-transactions.yaml");
    expect(checks.every((check) => check.passed)).toBe(true);
    expect(messages).toMatchObject({ rejected: 4, lost: 0, pending: 0, sideEffectsRepeated: 0 });
    expect(stages?.billing).toMatchObject({ received: 2344, consumed: 2344, publishedOnward: 4692 });
    expect(stages?.email).toMatchObject({ received: 4688, consumed: 4688, duplicated: 0 });
    expect(endToEnd).toMatchObject({ roots: 2344, completed: 2344 });
  });

  it("kafka-to-sqs-pipeline: a Kafka stage's auto-commit crash forwards 156 orders twice to SQS; an SQS crash redelivers one message, which the dedup store absorbs", () => {
    const { messages, stages, endToEnd, brokers, checks } = story("kafka-to-sqs-pipeline.yaml");
    expect(checks.every((check) => check.passed)).toBe(true);
    expect(stages?.orders).toMatchObject({ received: 3066, publishedOnward: 3222, duplicated: 156, lost: 0 });
    expect(stages?.billing).toMatchObject({ received: 3222, consumed: 3222, duplicated: 1, lost: 0 });
    expect(endToEnd).toMatchObject({ roots: 3066, completed: 3066 });
    expect(brokers?.main).toMatchObject({ profile: "kafka", accepted: 3066, redeliveries: 156 });
    expect(brokers?.["billing-sqs"]).toMatchObject({
      profile: "sqs",
      accepted: 3222,
      redeliveries: 1,
    });
    // Billing's redelivered copy has the id the dedup store recorded: only the orders stage repeats effects.
    expect(messages).toMatchObject({ lost: 0, pending: 0, sideEffectsRepeated: 156 });
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

  it("sqs-batch-crash: a 10-message batch half processed comes back whole after the visibility timeout; 5 are processed twice", () => {
    const { messages, batches, faults, latency } = story("sqs-batch-crash.yaml");
    expect(faults[0]).toMatchObject({ kind: "consumer-crash", target: "indexer/1", effects: { deliveriesHeld: 10 } });
    expect(messages).toMatchObject({
      published: 10,
      lost: 0,
      pending: 0,
      redeliveries: 10,
      duplicated: 5,
      sideEffectsRepeated: 5,
    });
    expect(batches?.indexer).toEqual({ batches: 2, meanSize: 10, sizes: { "10": 2 }, settled: 1, abandoned: 1 });
    // The first write ends at 121 ms (batch taken at 21 ms); the last message, published at 10 ms, waits for the
    // visibility timeout (30 s from its receive at 21 ms) and then for the 9 writes before it: 30.021 + 1.0 - 0.010 s.
    expect(latency.endToEnd.max).toBeCloseTo(31_011, -1);
  });

  it("payments-outage-*: immediate retries storm payments and fill the DLQ; backoff trades the DLQ for a backlog; a breaker spares payments", () => {
    const immediate = story("payments-outage-immediate.yaml");
    const backoff = story("payments-outage-backoff.yaml");
    const breaker = story("payments-outage-breaker.yaml");
    expect(immediate.messages).toMatchObject({ published: 59_920, deadLettered: 22_371, lost: 0 });
    expect(immediate.dependencies!.payments).toMatchObject({ calls: 149_416, refused: 111_867, amplification: 2.4936 });
    expect(immediate.backpressure.maxDepth).toBe(0);
    expect(backoff.messages).toMatchObject({ deadLettered: 188, lost: 0 });
    expect(backoff.dependencies!.payments).toMatchObject({ calls: 61_194, refused: 1462 });
    expect(backoff.backpressure.maxDepth).toBe(22_514);
    expect(breaker.messages).toMatchObject({ consumed: 59_920, deadLettered: 0, sideEffectsRepeated: 0 });
    expect(breaker.dependencies!.payments).toMatchObject({ calls: 60_010, refused: 90 });
    // Paused orders are refused once each, however often they ask again while the breaker is open.
    expect(breaker.breakers!["orders/payments"]).toMatchObject({ opened: 9, callsRefused: 124 });
    // The breaker's first state change is the outage's: it opens within its first second.
    expect(breaker.breakers!["orders/payments"]!.transitions[0]!.atMs).toBeGreaterThanOrEqual(30_000);
    expect(breaker.breakers!["orders/payments"]!.transitions[0]!.atMs).toBeLessThan(31_000);
    // Latency is the price of not dead-lettering: seconds instead of milliseconds.
    expect(immediate.latency.endToEnd.p99).toBeLessThan(250);
    expect(backoff.latency.endToEnd.p99).toBeGreaterThan(40_000);
  });

  it("payments-outage-redrive: a redrive after the outage moves the whole DLQ back at its rate and every order is consumed", () => {
    const immediate = story("payments-outage-immediate.yaml");
    const redrive = story("payments-outage-redrive.yaml");
    // The same storm fills the DLQ; the redrive empties it: no order is dead-lettered at the end, none lost.
    expect(redrive.retries!.orders).toMatchObject({
      deadLettered: immediate.messages.deadLettered,
      redriven: 22_371,
      redrivenConsumed: 22_371,
      redrivenDeadLettered: 0,
    });
    expect(redrive.messages).toMatchObject({ consumed: 59_920, deadLettered: 0, lost: 0, sideEffectsRepeated: 0 });
    // Each redriven order comes back as a redelivery of the same message, and makes one more call.
    expect(redrive.messages.redeliveries).toBe(22_371);
    expect(redrive.dependencies!.payments!.calls).toBe(immediate.dependencies!.payments!.calls + 22_371);
    // 22,371 moves at 500/s starting at 90 s: the last at 90 s + 22,370 x 2 ms = 134.74 s, its order consumed after.
    expect(redrive.simulated.seconds).toBeGreaterThan(134.74);
    expect(redrive.simulated.seconds).toBeLessThan(135.5);
  });

  it("payments-timeout-*: calls that time out after charging double-charge with or without a dedup store, never with an idempotency key", () => {
    const plain = story("payments-timeout-plain.yaml");
    const dedup = story("payments-timeout-dedup-store.yaml");
    const keyed = story("payments-timeout-idempotency-key.yaml");
    for (const summary of [plain, dedup, keyed]) {
      expect(summary.messages).toMatchObject({ published: 3036, deadLettered: 28 });
      expect(summary.dependencies!.payments).toMatchObject({ timeouts: 243, appliedAfterTimeout: 243 });
    }
    expect(plain.messages.sideEffectsRepeated).toBe(104);
    // The counter-example tells the story: the call times out, payments charges anyway (after the client had
    // given up, inside the slowdown), and the retry charges again.
    const events = plain.checks.find((check) => !check.passed)!.counterExample!.events;
    expect(events.map((e) => e.what)).toEqual([
      "attempt 1 failed: timeout; retry in 194.667 ms",
      "side effect applied",
      "side effect applied again",
    ]);
    expect(events[0]!.atMs).toBeGreaterThan(20_000);
    expect(events.map((e) => e.atMs)).toEqual([...events.map((e) => e.atMs)].sort((a, b) => a - b));
    expect(plain.dependencies!.payments!.effectsApplied).toBe(3251);
    expect(dedup.messages.sideEffectsRepeated).toBe(104);
    expect(dedup.dependencies!.payments!.effectsApplied).toBe(3251);
    expect(keyed.messages.sideEffectsRepeated).toBe(0);
    expect(keyed.dependencies!.payments).toMatchObject({ effectsApplied: 3036, keyDeduplicated: 215 });
  });

  it("request-reply-timeouts and request-reply-idempotent: a 5 s slowdown becomes a retry storm unless the responder absorbs copies", () => {
    const plain = story("request-reply-timeouts.yaml");
    const idempotent = story("request-reply-idempotent.yaml");
    expect(plain.requests!.checkout).toMatchObject({
      sent: 3669,
      repliedInTime: 3043,
      failedAfterRetries: 626,
      timedOut: 4450,
      retried: 3747,
      duplicateExecutions: 3747,
      lateReplies: 4373,
      waitedForSlot: 1466,
      outstandingPeak: 100,
    });
    expect(plain.messages).toMatchObject({ published: 3669, lost: 0, sideEffectsRepeated: 2220, republished: 3747 });
    expect(plain.simulated.seconds).toBeCloseTo(88.5, 1);
    expect(idempotent.requests!.checkout).toMatchObject({
      sent: 3669,
      repliedInTime: 3669,
      failedAfterRetries: 0,
      timedOut: 205,
      retried: 179,
      duplicatesAbsorbed: 171,
      duplicateExecutions: 8,
    });
    expect(idempotent.messages.sideEffectsRepeated).toBe(8);
    expect(idempotent.simulated.seconds).toBeCloseTo(60.3, 1);
  });

  it("dual-write-crash and outbox-relay-crash: the same crashes lose 5 events with a dual write, none with an outbox, which publishes 22 twice", () => {
    const dual = story("dual-write-crash.yaml");
    const outbox = story("outbox-relay-crash.yaml");
    // The same workload: the same orders committed either way.
    expect(dual.outbox!.orders!.committed).toBe(7188);
    expect(outbox.outbox!.orders!.committed).toBe(7188);
    expect(dual.outbox!.orders).toMatchObject({
      mode: "dual-write",
      published: 7183,
      unpublished: 5,
      relayDuplicates: 0,
    });
    // Committed but never published: the broker never promised them, so they are unknown, not lost.
    expect(dual.messages).toMatchObject({ lost: 0, unknown: 5, duplicated: 0 });
    expect(dual.checks.find((check) => !check.passed)?.name).toBe("outbox.orders.unpublished");
    expect(outbox.outbox!.orders).toMatchObject({
      mode: "outbox",
      published: 7188,
      unpublished: 0,
      relayDuplicates: 22,
    });
    expect(outbox.messages).toMatchObject({ lost: 0, unknown: 0, duplicated: 22, sideEffectsRepeated: 0 });
    expect(outbox.passed).toBe(true);
    // Rows committed just before the crash wait out the 2 s restart.
    expect(outbox.outbox!.orders!.lagMs.max).toBeGreaterThan(2000);
    expect(outbox.latency.endToEnd.mean).toBeGreaterThan(5 * dual.latency.endToEnd.mean);
  });

  it("pipeline-stage-dual-write and pipeline-stage-outbox: the same crashes leave 2 flows incomplete with a dual write, none with an outbox, which publishes 13 twice", () => {
    const dual = story("pipeline-stage-dual-write.yaml");
    const outbox = story("pipeline-stage-outbox.yaml");
    // The same workload: the same orders billed either way.
    expect(dual.outbox!.billing!.committed).toBe(3937);
    expect(outbox.outbox!.billing!.committed).toBe(3937);
    expect(dual.outbox!.billing).toMatchObject({
      mode: "dual-write",
      published: 3935,
      unpublished: 2,
      relayDuplicates: 0,
    });
    expect(dual.endToEnd).toMatchObject({ roots: 3937, completed: 3935 });
    expect(dual.stages?.shipping).toMatchObject({ received: 3935, consumed: 3935, lost: 0 });
    // Committed but never published: no queue had them, so they are unknown, not lost.
    expect(dual.messages).toMatchObject({ lost: 0, unknown: 2 });
    expect(dual.checks.filter((check) => !check.passed).map((check) => check.name)).toEqual([
      "outbox.billing.unpublished",
      "endToEnd.incomplete",
    ]);
    expect(outbox.outbox!.billing).toMatchObject({
      mode: "outbox",
      published: 3937,
      unpublished: 0,
      relayDuplicates: 13,
    });
    expect(outbox.endToEnd).toMatchObject({ roots: 3937, completed: 3937 });
    expect(outbox.stages?.shipping).toMatchObject({ received: 3937, consumed: 3937, duplicated: 13, lost: 0 });
    expect(outbox.messages).toMatchObject({ lost: 0, unknown: 0, sideEffectsRepeated: 0 });
    expect(outbox.passed).toBe(true);
    // Rows the after-side-effect crashes caught wait out the 2 s restart.
    expect(outbox.outbox!.billing!.lagMs.max).toBeGreaterThan(2000);
  });

  it("email-rate-limit: a spike of 5,000 drains at exactly 50/s after a burst of 100", () => {
    const { messages, simulated, limiters, backpressure } = story("email-rate-limit.yaml");
    expect(messages).toMatchObject({ published: 5000, consumed: 5000, lost: 0 });
    // The spike starts at 10 s; the last of 4,900 permits comes 4,900 / 50 = 98 s later, then its send.
    expect(simulated.seconds).toBeGreaterThan(108);
    expect(simulated.seconds).toBeLessThan(108.2);
    expect(limiters!["email-sender"]).toMatchObject({ acquired: 5000 });
    expect(backpressure.maxDepth).toBe(4844);
  });
  it("cron-missed-ticks: catchUp publishes the latest missed report, all publishes every missed reminder", () => {
    const { schedules, messages } = story("cron-missed-ticks.yaml");
    expect(schedules!.reports).toMatchObject({ ticks: 11, onTime: 7, missed: 4, caughtUp: 1, skipped: 3 });
    expect(schedules!.reports!.latenessMsMax).toBe(120_000);
    expect(schedules!.reminders).toMatchObject({ ticks: 59, onTime: 39, missed: 20, caughtUp: 20, skipped: 0 });
    expect(schedules!.reminders!.latenessMsMax).toBe(1_200_000);
    expect(messages).toMatchObject({ published: 67, consumed: 67, lost: 0 });
  });

  it("rabbitmq-delay-head-of-line: short delays wait behind long ones at the head of the delay queue", () => {
    const { delays, latency } = story("rabbitmq-delay-head-of-line.yaml");
    expect(delays).toMatchObject({ held: 239, blockedByHead: 136 });
    expect(delays!.blockedMsMean).toBeGreaterThan(50_000);
    expect(latency.endToEnd.p50).toBeGreaterThan(59_000);
  });

  it("kafka-retry-topic vs kafka-retry-blocking: the retry topic keeps the partitions flowing and reorders 390 orders; blocking keeps order and stalls", () => {
    const topic = story("kafka-retry-topic.yaml");
    const blocking = story("kafka-retry-blocking.yaml");
    expect(topic.messages).toMatchObject({ published: 12_020, outOfOrder: 390, deadLettered: 45, lost: 0, pending: 0 });
    expect(topic.retries!.billing).toMatchObject({ retries: 1592, viaBroker: 1592, deadLettered: 45 });
    expect(topic.backpressure).toMatchObject({ maxDepth: 13, maxLag: 314 });
    expect(blocking.messages).toMatchObject({ published: 12_020, outOfOrder: 0, deadLettered: 1, lost: 0, pending: 0 });
    expect(blocking.retries!.billing).toMatchObject({ retries: 23, deadLettered: 1 });
    expect(blocking.retries!.billing!.viaBroker).toBeUndefined();
    expect(blocking.backpressure).toMatchObject({ maxDepth: 1569, maxLag: 2031 });
    // The stall is the price of order: seconds of queue wait against milliseconds.
    expect(topic.latency.queueWait.p99).toBeLessThan(30);
    expect(blocking.latency.queueWait.p99).toBeGreaterThan(8000);
  });
});
