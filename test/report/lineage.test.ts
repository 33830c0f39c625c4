// Proves message lineage: a deterministic re-run keeps exactly the counter-example messages' events, named by component, with the faults around them, in bounded memory.
import { describe, expect, it } from "vitest";
import { LineageRecorder } from "../../src/metrics/lineage.js";
import { messageLineages } from "../../src/pipeline/lineage.js";
import { lineageChart } from "../../src/report/lineage-chart.js";
import { reportFiles } from "../../src/report/report.js";
import { shippedRun } from "./fixtures.js";

describe("message lineage", () => {
  it("a repeated side effect: the message's path across the crash and the redelivery to another consumer", () => {
    const run = shippedRun("dedup-store-window");
    const [lineage, ...others] = messageLineages(run);
    expect(others).toEqual([]);
    expect(lineage).toMatchObject({
      check: 1,
      checkName: "sideEffects: exactly-once",
      message: 1599,
      group: "payments",
    });
    expect(lineage!.lanes).toEqual(["checkout#1", "broker", "payments/1", "payments/3"]);
    expect(lineage!.events.map((e) => [e.lane, e.event, e.detail])).toEqual([
      ["checkout#1", "published", ""],
      ["broker", "accepted", ""],
      ["payments/1", "delivered", "attempt 1"],
      ["payments/1", "side effect", ""],
      ["payments/1", "consumed", ""],
      ["payments/3", "redelivered", "attempt 2"],
      ["payments/3", "side effect", "2 times"],
      ["payments/3", "consumed", "2 times"],
    ]);
    // The same instants the counter-example names, from the same run.
    const effects = lineage!.events.filter((e) => e.event === "side effect").map((e) => e.atMs);
    expect(effects).toEqual(run.checks[1]!.counterExample!.events.map((e) => e.atMs));
    const times = lineage!.events.map((e) => e.atMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(lineage!.faults).toEqual([
      {
        fault: 0,
        kind: "consumer-crash",
        target: "payments/1",
        lane: "payments/1",
        startMs: 8004.847,
        endMs: 11004.847,
      },
    ]);
  });

  it("a lost message: dropped by the broker at the leader failover, the broker crash on the broker's lane", () => {
    const [lineage] = messageLineages(shippedRun("kafka-replication-acks1"));
    expect(lineage!.message).toBe(29809);
    expect(lineage!.events.map((e) => [e.lane, e.event])).toEqual([
      ["orders#1", "published"],
      ["broker", "accepted"],
      ["broker", "dropped"],
    ]);
    expect(lineage!.events[2]).toMatchObject({ atMs: 19000, detail: "leader-failover" });
    expect(lineage!.faults).toMatchObject([{ kind: "broker-crash", target: "broker/1", lane: "broker" }]);
  });

  it("a double charge after a timed-out call: the failed attempts are on the consumer's lane, between the two effects", () => {
    const run = shippedRun("payments-timeout-plain");
    const lineage = messageLineages(run).find((l) => l.checkName === "sideEffects: exactly-once")!;
    const failed = lineage.events.filter((e) => e.event === "attempt failed");
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]!.detail).toMatch(/^attempt 1: timeout; retry in [\d.]+ ms$/);
    // Each failed attempt is on a consumer's lane, and the first comes before the second effect.
    expect(failed.every((e) => e.lane.startsWith("orders/"))).toBe(true);
    const effects = lineage.events.filter((e) => e.event === "side effect").map((e) => e.atMs);
    expect(failed[0]!.atMs).toBeLessThan(effects[effects.length - 1]!);
  });

  it("a run whose checks pass has no lineage and no lineage.json", async () => {
    const run = shippedRun("work-queue");
    expect(messageLineages(run)).toEqual([]);
    expect(Object.keys(await reportFiles(run, { lineage: [] }))).not.toContain("lineage.json");
  });

  it("refuses a replay that does not reproduce the run", () => {
    const run = shippedRun("dedup-store-window");
    const tampered = { ...run, result: { ...run.result, events: run.result.events + 1 } };
    expect(() => messageLineages(tampered)).toThrow(/invariant/);
  });

  it("keeps at most its limit of events per watched message, counts the rest, and ignores other messages", () => {
    const recorder = new LineageRecorder([7], 3);
    for (let attempt = 1; attempt <= 5; attempt++) recorder.delivered(7, 0, 1, attempt, 0, attempt * 10);
    recorder.delivered(8, 0, 1, 1, 0, 60);
    expect(recorder.events.get(7)!.map((e) => e.event)).toEqual(["delivered", "redelivered", "redelivered"]);
    expect(recorder.omitted.get(7)).toBe(2);
    expect(recorder.events.has(8)).toBe(false);
  });

  it("draws a swimlane per component with the crash marked at its instant", () => {
    const [lineage] = messageLineages(shippedRun("dedup-store-window"));
    const { name, spec } = lineageChart(lineage!);
    expect(name).toBe("lineage-1");
    const text = JSON.stringify(spec);
    expect(text).toContain('"label":"crash payments/1"');
    expect(text).toContain('"domain":["checkout#1","broker","payments/1","payments/3"]');
  });
});
