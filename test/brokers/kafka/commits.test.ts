// Proves what a consumer crash costs under each commit mode: auto-commit replays exactly what was returned since the last commit, commit-before-processing loses exactly what was in flight, per-record commits replay at most the record being acked.
import { describe, expect, it } from "vitest";
import { evaluateChecks } from "../../../src/index.js";
import { consumptions, deliveries, runKafka } from "./run.js";

/**
 * One partition, two consumers: billing/1 (c0) owns it, billing/2 (c1) idles.
 * A record every 10 ms, each processed in 1 ms. billing/1 crashes at 7.2505 s,
 * while processing the record published at 7.25 s.
 */
function crashRun(settings: Record<string, unknown>, expectation: Record<string, unknown> = {}) {
  return runKafka(
    {
      duration: "8s",
      producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
      consumers: [{ group: "billing", instances: 2, processing: "1ms" }],
      faults: [{ at: "7250500us", crash: "consumer", target: "billing/1" }],
      expect: expectation,
    },
    settings,
  );
}

describe("kafka offsets commits", () => {
  it("auto-commit every 5 s: a crash replays exactly the records returned since the last commit, as duplicates", () => {
    const { result, log } = crashRun({}, { delivery: "at-least-once" });
    const all = deliveries(log);
    // The first poll at or after 5 s (the record published at 5.00 s) commits everything returned before it.
    const returnedSinceCommit = all.filter((d) => d.attempt === 1 && d.at >= 5_000_000 && d.at <= 7_250_500);
    expect(returnedSinceCommit.map((d) => d.message)).toEqual(Array.from({ length: 226 }, (_, i) => 499 + i));
    const replayed = all.filter((d) => d.attempt === 2);
    expect(replayed.map((d) => d.message)).toEqual(returnedSinceCommit.map((d) => d.message));
    // 225 of them had been processed before the crash; the 226th was being processed.
    expect(result.counts.duplicated).toBe(225);
    expect(result.counts.lost).toBe(0);
    expect(evaluateChecks(result).every((check) => check.passed)).toBe(true);
  });

  it("commit before processing: the crash loses exactly the record in flight, and nothing is replayed", () => {
    const { result, log } = crashRun(
      { "enable.auto.commit": false, commit: "before-processing" },
      { delivery: "at-most-once" },
    );
    expect(deliveries(log).filter((d) => d.attempt > 1)).toEqual([]);
    const consumed = new Set(consumptions(log).map((c) => c.message));
    const neverConsumed = Array.from({ length: 799 }, (_, id) => id).filter((id) => !consumed.has(id));
    expect(neverConsumed).toEqual([724]);
    expect(result.counts.lost).toBe(1);
    expect(result.counts.duplicated).toBe(0);
    expect(evaluateChecks(result).every((check) => check.passed)).toBe(true);
  });

  it("commit before processing loses a whole batch in flight: every record returned and not yet processed", () => {
    // 3 s of backlog before the group forms: the first poll returns 299 records (the one published at 3 s is
    // accepted 5 us later), committed at once. 50 are processed by 3.5 s; the crash loses the other 249.
    const { result, log } = runKafka(
      {
        duration: "4s",
        producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
        consumers: [{ group: "billing", processing: "10ms" }],
        faults: [{ at: "3500500us", crash: "consumer", target: "billing/1", restartAfter: "100ms" }],
      },
      { "enable.auto.commit": false, commit: "before-processing", "group.initial.rebalance.delay.ms": 3000 },
    );
    const firstBatch = deliveries(log).filter((d) => d.at === 3_000_000);
    expect(firstBatch.length).toBe(299);
    const processedBeforeCrash = consumptions(log).filter((c) => c.at <= 3_500_500);
    expect(processedBeforeCrash.length).toBe(50);
    expect(result.counts.lost).toBe(249);
    expect(result.counts.duplicated).toBe(0);
  });

  it("auto-commit on the same batch loses nothing: the 50 processed records are replayed", () => {
    const { result } = runKafka(
      {
        duration: "4s",
        producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
        consumers: [{ group: "billing", processing: "10ms" }],
        faults: [{ at: "3500500us", crash: "consumer", target: "billing/1", restartAfter: "100ms" }],
      },
      { "group.initial.rebalance.delay.ms": 3000 },
    );
    expect(result.counts.lost).toBe(0);
    expect(result.counts.duplicated).toBe(50);
  });

  it("commit after processing: a crash between processing and the commit replays just that record", () => {
    const { result, log } = runKafka(
      {
        duration: "8s",
        producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
        consumers: [{ group: "billing", instances: 2, processing: "1ms" }],
        faults: [{ at: "7250500us", crash: "consumer", target: "billing/1", point: "before-ack" }],
      },
      { "enable.auto.commit": false, commit: "after-processing" },
    );
    // The record published at 7.25 s was processed; its commit never left the crashed consumer.
    expect(
      deliveries(log)
        .filter((d) => d.attempt > 1)
        .map((d) => d.message),
    ).toEqual([724]);
    expect(result.counts.duplicated).toBe(1);
    expect(result.counts.lost).toBe(0);
  });

  it("skips a record whose processing fails: no redelivery, dropped as processing-failed, the partition moves on", () => {
    const { result, log } = runKafka({
      duration: "2s",
      producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
      consumers: [{ group: "billing", processing: "1ms" }],
      faults: [{ poison: { fraction: 0.05 } }],
    });
    const dropped = log.matching("dropped");
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((line) => line.endsWith(" processing-failed"))).toBe(true);
    expect(result.counts.redeliveries).toBe(0);
    expect(result.counts.lost).toBe(dropped.length);
    expect(result.counts.consumed + result.counts.lost).toBe(result.counts.accepted);
  });
});
