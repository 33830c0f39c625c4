// Proves RabbitMQ dispatch: round-robin within prefetch credit, the prefetch bound on unacked deliveries, unlimited prefetch pushing every ready message, and the quorum queue's 2000 credit for prefetch 0.
import { describe, expect, it } from "vitest";
import { quorum, rabbit, run, watchOpenDeliveries } from "./run.js";

describe("rabbitmq dispatch", () => {
  it("hands messages round-robin to consumers with credit", () => {
    const { log } = run({
      broker: rabbit({ prefetch: 1 }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" }, limit: 9 }],
      consumers: [{ group: "g", instances: 3, processing: "10ms" }],
    });
    const consumers = log.matching("delivered").map((line) => line.split(" ")[4]);
    expect(consumers).toEqual(["c0", "c1", "c2", "c0", "c1", "c2", "c0", "c1", "c2"]);
  });

  it("never lets a consumer hold more than prefetch unacked deliveries, and reaches it under load", () => {
    const watch = watchOpenDeliveries({
      duration: "2s",
      broker: rabbit({ prefetch: 10 }),
      network: { latency: { dist: "lognormal", median: "500us", p99: "5ms" } },
      producers: [{ name: "p", rate: "2000/s" }],
      consumers: [{ group: "g", instances: 3, concurrency: 2, processing: { dist: "exponential", mean: "5ms" } }],
    });
    expect(watch.most).toEqual([10, 10, 10]);
  });

  // One consumer 100x slower than the other while the fault lasts: 500 ms per message instead of 5 ms.
  const slowSecond = (prefetch: number) =>
    run({
      duration: "10s",
      broker: rabbit({ prefetch }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" } }],
      consumers: [{ group: "g", instances: 2, processing: "5ms" }],
      faults: [{ at: 0, for: "10s", slow: { target: "g/2", factor: 100 } }],
    });
  const deliveriesTo = (lines: string[], consumer: string) =>
    lines.filter((line) => line.split(" ")[4] === consumer).length;

  it("with prefetch 0 (unlimited) pushes every message at once, round-robin, even to a consumer 100x slower (well within its socket bound)", () => {
    const { result, log } = slowSecond(0);
    const delivered = log.matching("delivered");
    expect([deliveriesTo(delivered, "c0"), deliveriesTo(delivered, "c1")]).toEqual([50, 49]);
    expect(result.maxDepth).toBe(0);
    // The slow consumer's backlog sits in its own buffer: its 20th message (sent at 4 s) is done only after 10.2 s.
    expect(result.endToEnd.max).toBeGreaterThan(6_000_000);
  });

  it("with prefetch 1 the slow consumer holds one message at a time and the fast one takes the rest", () => {
    const { result, log } = slowSecond(1);
    const delivered = log.matching("delivered");
    // Freed after 500 ms, the slow consumer queues up behind the fast one: one message every 600 ms.
    expect([deliveriesTo(delivered, "c0"), deliveriesTo(delivered, "c1")]).toEqual([82, 17]);
    expect(result.endToEnd.max).toBeLessThan(600_000);
  });

  it("gives a quorum consumer with prefetch 0 a credit of 2000, not unlimited", () => {
    const watch = watchOpenDeliveries({
      duration: "1s",
      drainTimeout: 0,
      broker: quorum(),
      producers: [{ name: "p", arrival: { process: "constant", rate: "3000/s" } }],
      consumers: [{ group: "g", processing: "1s" }],
    });
    expect(watch.most).toEqual([2000]);
  });

  it("sends every message to every consumer group (fanout)", () => {
    const { result } = run({
      broker: rabbit({ prefetch: 5 }),
      consumers: [
        { group: "billing", instances: 2, processing: "2ms" },
        { group: "audit", processing: "1ms" },
      ],
    });
    expect(result.counts.consumed).toBe(2 * result.counts.published);
    expect(result.counts.lost + result.counts.duplicated + result.counts.pending).toBe(0);
  });
});
