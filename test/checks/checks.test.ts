// Proves each check passes and fails on the right figures and attaches a counter-example with the likely fault when it fails.
import { describe, expect, it } from "vitest";
import { evaluateChecks } from "../../src/checks/checks.js";
import { PERCENTILES } from "../../src/metrics/latency.js";
import { type RunResult, simulate } from "../../src/run/simulate.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const snapshot = (p99: number) => ({
  count: 10,
  mean: p99 / 2,
  max: p99 * 2,
  percentiles: PERCENTILES.map((p) => (p === 99 ? p99 : p === 100 ? p99 * 2 : p)),
});

type Changes = Partial<Omit<RunResult, "counts">> & { counts?: Partial<RunResult["counts"]> };

function result(expect: Record<string, unknown>, changes: Changes = {}) {
  const base: RunResult = {
    scenario: parsed(scenarioInput({ expect })) as RunResult["scenario"],
    endedAt: 10_000_000,
    events: 100,
    drained: true,
    counts: {
      published: 1000,
      accepted: 1000,
      rejected: 0,
      deliveries: 1000,
      redeliveries: 0,
      consumed: 1000,
      duplicated: 0,
      sideEffectsRepeated: 0,
      deadLettered: 0,
      dropped: 0,
      republished: 0,
      deduplicated: 0,
      recovered: 0,
      unknown: 0,
      lost: 0,
      unexpected: 0,
      pending: 0,
      notRouted: 0,
    },
    endToEnd: snapshot(5_000),
    queueWait: snapshot(1_000),
    maxDepth: 20,
    maxLag: 25,
    consumedDuringRun: 1000,
    blockedMicros: 0,
    warmupDiscarded: 0,
    faults: [],
    outOfOrder: 0,
    examples: { lost: null, duplicated: null, repeatedSideEffect: null, outOfOrder: null },
    names: { groups: ["g"], consumers: ["g/1", "g/2"], producers: ["p#1"] },
  };
  return { ...base, ...changes, counts: { ...base.counts, ...changes.counts } } as RunResult;
}

const verdicts = (r: RunResult) => evaluateChecks(r).map((c) => [c.name, c.passed]);

describe("evaluateChecks", () => {
  it("judges each delivery guarantee by the classes it forbids", () => {
    const dup = { counts: { duplicated: 3 } };
    const lost = { counts: { lost: 2 } };
    const pending = { counts: { pending: 1 } };
    expect(verdicts(result({ delivery: "at-least-once" }, dup))).toEqual([["delivery: at-least-once", true]]);
    expect(verdicts(result({ delivery: "at-least-once" }, lost))).toEqual([["delivery: at-least-once", false]]);
    expect(verdicts(result({ delivery: "at-least-once" }, pending))).toEqual([["delivery: at-least-once", false]]);
    expect(verdicts(result({ delivery: "at-most-once" }, lost))).toEqual([["delivery: at-most-once", true]]);
    expect(verdicts(result({ delivery: "at-most-once" }, dup))).toEqual([["delivery: at-most-once", false]]);
    expect(verdicts(result({ delivery: "exactly-once" }, dup))).toEqual([["delivery: exactly-once", false]]);
    expect(verdicts(result({ delivery: "exactly-once" }, { counts: { unexpected: 1 } }))[0]?.[1]).toBe(false);
    expect(verdicts(result({ delivery: "exactly-once" }))).toEqual([["delivery: exactly-once", true]]);
  });

  it("attaches the first duplicate and the fault that most likely caused it", () => {
    const [check] = evaluateChecks(
      result(
        { delivery: "exactly-once" },
        {
          counts: { duplicated: 1 },
          faults: [
            { fault: 0, kind: "consumer-crash", target: "g/2", start: 1_000_000, end: 2_000_000, effects: {} },
            { fault: 1, kind: "consumer-crash", target: "g/1", start: 3_000_000, end: 4_000_000, effects: {} },
            { fault: 2, kind: "slow-consumer", target: "g/2", start: 9_000_000, end: 9_500_000, effects: {} },
          ],
          examples: {
            lost: null,
            duplicated: {
              message: 42,
              group: 0,
              key: 7,
              producer: 0,
              events: [
                { what: "consumed", consumer: 0, at: 1_500_000 },
                { what: "consumed again", consumer: 1, at: 5_000_000 },
              ],
            },
            repeatedSideEffect: null,
            outOfOrder: null,
          },
        },
      ),
    );
    expect(check?.counterExample).toEqual({
      message: 42,
      group: "g",
      key: 7,
      producer: "p#1",
      events: [
        { what: "consumed", consumer: "g/1", atMs: 1500 },
        { what: "consumed again", consumer: "g/2", atMs: 5000 },
      ],
      // The latest fault before the duplicate that hit a consumer involved in it.
      likelyCause: { fault: 1, kind: "consumer-crash", target: "g/1", startMs: 3000 },
    });
  });

  it("judges ordering, side effects, latency, queue wait, backpressure and throughput", () => {
    const expect_ = {
      ordering: "per-key",
      sideEffects: "exactly-once",
      latency: { p99: "5ms", max: "9ms" },
      queueWait: { mean: "400us" },
      backpressure: { maxDepth: 20, blocked: "1s", rejected: 0 },
      throughput: { min: "100/s" },
    };
    expect(verdicts(result(expect_))).toEqual([
      ["ordering: per-key", true],
      ["sideEffects: exactly-once", true],
      ["latency.p99", true],
      ["latency.max", false],
      ["queueWait.mean", false],
      ["backpressure.maxDepth", true],
      ["backpressure.blocked", true],
      ["backpressure.rejected", true],
      ["throughput.min", true],
    ]);
    const worse = result(expect_, {
      outOfOrder: 1,
      maxDepth: 21,
      blockedMicros: 2_000_000,
      consumedDuringRun: 900,
      counts: { sideEffectsRepeated: 1, rejected: 1 },
    });
    expect(
      verdicts(worse)
        .filter(([, passed]) => !passed)
        .map(([name]) => name),
    ).toEqual([
      "ordering: per-key",
      "sideEffects: exactly-once",
      "latency.max",
      "queueWait.mean",
      "backpressure.maxDepth",
      "backpressure.blocked",
      "backpressure.rejected",
      "throughput.min",
    ]);
  });

  it("states no checks when nothing is expected", () => {
    expect(evaluateChecks(result({}))).toEqual([]);
  });
});

describe("the counter-example of a lost message", () => {
  it("says when and why the broker dropped it", () => {
    // One slow consumer behind a 5-message queue that drops its head: the first messages overflow away.
    const run = simulate(
      parsed(
        scenarioInput({
          duration: "1s",
          broker: { profile: "fifo", settings: { maxLength: 5, overflow: "drop-head" } },
          producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
          consumers: [{ group: "g", processing: "50ms" }],
          expect: { delivery: "at-least-once" },
        }),
      ),
    );
    const delivery = evaluateChecks(run).find((check) => check.name === "delivery: at-least-once")!;
    expect(delivery.passed).toBe(false);
    expect(delivery.counterExample!.events.map((event) => event.what)).toEqual([
      "published",
      "confirmed by the broker",
      "dropped by the broker: maxlen",
      "delivered 0 times, never consumed",
    ]);
  });
});
