// Proves the fifo profile's rules: FIFO dispatch, longest-idle-first across consumers, fan-out to groups, overflow policies and drain accounting.
import { describe, expect, it } from "vitest";
import { evaluateChecks, simulate } from "../../src/index.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

function run(overrides: Record<string, unknown>) {
  const log = new EventLog();
  const result = simulate(parsed(scenarioInput(overrides)), { observers: [log] });
  return { result, log };
}

describe("fifo profile", () => {
  it("serves one consumer in publish order, with the exact timeline", () => {
    const { log } = run({
      duration: "350ms",
      producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" } }],
      consumers: [{ group: "g", processing: "150ms" }],
    });
    expect(log.lines).toEqual([
      "t=100000 published m0",
      "t=100000 accepted m0",
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=200000 published m1",
      "t=200000 accepted m1",
      "t=250000 effect m0 g0 c0 x1",
      "t=250000 consumed m0 g0 c0 x1",
      "t=250000 delivered m1 g0 c0 waited 50000",
      "t=300000 published m2",
      "t=300000 accepted m2",
      "t=400000 effect m1 g0 c0 x1",
      "t=400000 consumed m1 g0 c0 x1",
      "t=400000 delivered m2 g0 c0 waited 100000",
      "t=550000 effect m2 g0 c0 x1",
      "t=550000 consumed m2 g0 c0 x1",
    ]);
  });

  it("gives each message to the consumer idle longest, which is round-robin under load", () => {
    const { log } = run({
      duration: "1s",
      producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" }, limit: 9 }],
      consumers: [{ group: "g", instances: 3, processing: "10ms" }],
    });
    const consumers = log.matching("delivered").map((line) => line.split(" ")[4]);
    expect(consumers).toEqual(["c0", "c1", "c2", "c0", "c1", "c2", "c0", "c1", "c2"]);
  });

  it("never reorders messages on a link, even with heavy-tailed latency", () => {
    const { log, result } = run({
      duration: "5s",
      network: { latency: { dist: "pareto", scale: "100us", shape: 1.2 } },
      producers: [{ name: "p", rate: "500/s" }],
      consumers: [{ group: "g", processing: "100us" }],
    });
    const order = log.matching("consumed").map((line) => Number(line.split(" ")[2]!.slice(1)));
    expect(order.length).toBe(result.counts.published);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("delivers every message to every consumer group (fan-out)", () => {
    const { result } = run({
      consumers: [
        { group: "billing", instances: 2, processing: "2ms" },
        { group: "audit", processing: "1ms" },
      ],
    });
    expect(result.counts.consumed).toBe(2 * result.counts.published);
    expect(result.counts.lost + result.counts.duplicated + result.counts.pending).toBe(0);
  });

  it("rejects publishes at maxLength with reject-publish, losing nothing it confirmed", () => {
    const { result } = run({
      broker: { profile: "fifo", settings: { maxLength: 5, overflow: "reject-publish" } },
      producers: [{ name: "p", rate: "200/s" }],
      consumers: [{ group: "g", processing: "10ms" }],
    });
    expect(result.counts.rejected).toBeGreaterThan(500);
    expect(result.counts.accepted + result.counts.rejected).toBe(result.counts.published);
    expect(result.counts.lost).toBe(0);
    expect(result.maxDepth).toBe(5);
  });

  it("drops the oldest message with drop-head: confirmed messages are lost", () => {
    const { result } = run({
      broker: { profile: "fifo", settings: { maxLength: 5, overflow: "drop-head" } },
      producers: [{ name: "p", rate: "200/s" }],
      consumers: [{ group: "g", processing: "10ms" }],
      expect: { delivery: "at-least-once" },
    });
    expect(result.counts.rejected).toBe(0);
    expect(result.counts.lost).toBeGreaterThan(500);
    expect(result.counts.consumed + result.counts.lost).toBe(result.counts.accepted);
    expect(evaluateChecks(result)[0]).toMatchObject({ name: "delivery: at-least-once", passed: false });
  });

  it("blocks publishers at maxLength with block: nothing lost, and the wait shows up as latency", () => {
    const { result, log } = run({
      duration: "2s",
      broker: { profile: "fifo", settings: { maxLength: 5, overflow: "block" } },
      producers: [{ name: "p", arrival: { process: "constant", rate: "200/s" } }],
      consumers: [{ group: "g", processing: "10ms" }],
      drainTimeout: "10s",
    });
    expect(result.counts.rejected + result.counts.lost + result.counts.pending).toBe(0);
    expect(result.counts.consumed).toBe(result.counts.published);
    expect(log.matching("blocked").length).toBeGreaterThan(10);
    expect(result.blockedMicros).toBeGreaterThan(1_000_000);
    // 400 messages at 100/s take 4 s to serve; the last waited about 2 s blocked or queued.
    expect(result.endToEnd.max).toBeGreaterThan(1_900_000);
    expect(result.maxDepth).toBeLessThanOrEqual(5);
  });

  it("keeps queues within maxLength under block even when publishes are still on the wire", () => {
    const { result } = run({
      duration: "2s",
      drainTimeout: "30s",
      broker: { profile: "fifo", serviceTime: "100us", settings: { maxLength: 10, overflow: "block" } },
      network: { latency: "1ms" },
      producers: [{ name: "p", instances: 3, rate: "300/s" }],
      consumers: [{ group: "g", processing: "5ms" }],
    });
    expect(result.maxDepth).toBeLessThanOrEqual(10);
    expect(result.blockedMicros).toBeGreaterThan(0);
    expect(result.counts.consumed).toBe(result.counts.published);
  });

  it("counts publishes still on the wire or in the broker's intake at the drain timeout as pending", () => {
    const { result } = run({
      duration: "10s",
      drainTimeout: "1s",
      broker: { profile: "fifo", serviceTime: "2ms" },
      producers: [{ name: "p", rate: "1000/s" }],
      consumers: [{ group: "g", processing: "100us" }],
      expect: { delivery: "exactly-once" },
    });
    expect(result.counts.accepted).toBeLessThan(result.counts.published);
    expect(result.counts.pending).toBe(result.counts.published - result.counts.accepted);
    expect(result.counts.lost).toBe(0);
    expect(evaluateChecks(result)[0]?.passed).toBe(false);
  });

  it("reports messages still queued at the drain timeout as pending, failing at-least-once", () => {
    const { result } = run({
      duration: "2s",
      drainTimeout: "1s",
      producers: [{ name: "p", rate: "400/s" }],
      consumers: [{ group: "g", processing: "10ms" }],
      expect: { delivery: "at-least-once" },
    });
    expect(result.drained).toBe(false);
    expect(result.counts.pending).toBeGreaterThan(300);
    expect(result.counts.lost).toBe(0);
    expect(result.counts.consumed + result.counts.pending).toBe(result.counts.published);
    expect(evaluateChecks(result)[0]?.passed).toBe(false);
  });

  it("hides network round trips behind a prefetch larger than concurrency", () => {
    // 1 ms each way and 1 ms of work: with prefetch 1 a consumer finishes one message per 3 ms,
    // with prefetch 10 the next message is already waiting in its buffer, so one per 1 ms.
    const throughput = (prefetch: number) =>
      run({
        duration: "10s",
        drainTimeout: 0,
        broker: { profile: "fifo", settings: { prefetch } },
        network: { latency: "1ms" },
        producers: [{ name: "p", arrival: { process: "constant", rate: "2000/s" } }],
        consumers: [{ group: "g", processing: "1ms" }],
      }).result.counts.consumed / 10;
    expect(throughput(1)).toBeCloseTo(1000 / 3, -1);
    expect(throughput(10)).toBeCloseTo(1000, -1);
  });

  it("stops each producer instance at its limit", () => {
    const { result } = run({ producers: [{ name: "p", instances: 3, rate: "1000/s", limit: 40 }] });
    expect(result.counts.published).toBe(120);
  });
});
