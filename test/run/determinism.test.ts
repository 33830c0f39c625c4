// Proves runs are reproducible: same scenario + seed gives identical bytes, a new seed changes results, and components' random streams are independent.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { buildWorld } from "../../src/run/build.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const busy = scenarioInput({
  duration: "20s",
  broker: { profile: "fifo", serviceTime: { dist: "uniform", min: "10us", max: "50us" } },
  network: { latency: { dist: "lognormal", median: "200us", p99: "3ms" } },
  producers: [
    { name: "checkout", instances: 2, rate: "400/s", keys: { count: 100, dist: "zipf", s: 1.2 }, size: "2KB" },
    { name: "refunds", arrival: { process: "constant", rate: "50/s" } },
  ],
  consumers: [
    { group: "billing", instances: 3, processing: { dist: "exponential", mean: "4ms" } },
    { group: "audit", processing: { dist: "normal", mean: "1ms", stddev: "300us" } },
  ],
  expect: { delivery: "at-least-once", latency: { p99: "1s" } },
});

function summaryBytes(input: Record<string, unknown>): string {
  return JSON.stringify(runScenario(parsed(input)).summary, null, 2);
}

/** Every message's intended send time and key, in creation order. */
function arrivals(input: Record<string, unknown>): string {
  const world = buildWorld(parsed(input));
  for (const producer of world.producers) producer.start();
  world.sim.run({ untilTime: Number.POSITIVE_INFINITY, maxEvents: 10_000_000 });
  const rows: string[] = [];
  for (let id = 0; id < world.messages.count; id++) {
    rows.push(`${world.messages.producer[id]}:${world.messages.intendedAt[id]}:${world.messages.key[id]}`);
  }
  return rows.join("\n");
}

describe("determinism", () => {
  it("gives byte-identical summaries for the same scenario and seed", () => {
    const first = summaryBytes(busy);
    expect(summaryBytes(busy)).toBe(first);
    expect(JSON.parse(first).messages.consumed).toBeGreaterThan(10_000);
  });

  it("gives different results for a different seed", () => {
    const a = JSON.parse(summaryBytes(busy));
    const b = JSON.parse(summaryBytes({ ...busy, seed: 2 }));
    expect(b.messages.published).not.toBe(a.messages.published);
    expect(b.latency.endToEnd).not.toEqual(a.latency.endToEnd);
  });

  it("leaves producer arrivals unchanged when consumers are added or changed", () => {
    const base = arrivals(busy);
    const moreConsumers = arrivals({
      ...busy,
      consumers: [
        { group: "billing", instances: 7, processing: { dist: "exponential", mean: "9ms" } },
        { group: "audit", processing: "2ms" },
        { group: "fraud", instances: 2, processing: "1ms" },
      ],
    });
    expect(moreConsumers).toBe(base);
    expect(base.split("\n").length).toBeGreaterThan(10_000);
  });

  it("leaves one producer's arrivals unchanged when another producer is added", () => {
    const only = (text: string, producer: number) =>
      text
        .split("\n")
        .filter((row) => row.startsWith(`${producer}:`))
        .map((row) => row.slice(row.indexOf(":")));
    const base = arrivals(busy);
    const producers = busy.producers as Record<string, unknown>[];
    const withExtra = arrivals({ ...busy, producers: [...producers, { name: "extra", rate: "900/s" }] });
    expect(only(withExtra, 0)).toEqual(only(base, 0));
    expect(only(withExtra, 2)).toEqual(only(base, 2));
  });

  it("leaves arrivals, keys and every summary figure unchanged when a profile that ignores them gets priorities", () => {
    const producers = busy.producers as Record<string, unknown>[];
    const prioritized = {
      ...busy,
      producers: [
        { ...producers[0], priority: { weights: { 0: 3, 9: 1 } } },
        { ...producers[1], priority: 5 },
      ],
    };
    expect(arrivals(prioritized)).toBe(arrivals(busy));
    const summary = JSON.parse(summaryBytes(prioritized));
    expect(Object.keys(summary.latency.byPriority)).toEqual(["0", "5", "9"]);
    delete summary.latency.byPriority;
    expect(summary).toEqual(JSON.parse(summaryBytes(busy)));
  });

  it("gives byte-identical summaries with dependencies, retries with jitter, dependency faults and a crash", () => {
    const patterned = {
      ...busy,
      dependencies: {
        payments: {
          latency: { dist: "exponential", mean: "5ms" },
          concurrency: 4,
          timeout: "50ms",
          errors: { transient: 0.1 },
        },
        stock: { latency: "1ms", overflow: "refuse", concurrency: 2 },
      },
      consumers: [
        {
          group: "billing",
          instances: 3,
          steps: [
            { work: { dist: "exponential", mean: "1ms" } },
            { call: "stock" },
            { call: "payments", sideEffect: true },
          ],
          retry: { maxAttempts: 4, backoff: { type: "exponential", base: "10ms", jitter: "decorrelated" } },
        },
        { group: "audit", processing: "1ms" },
      ],
      faults: [
        { at: "5s", for: "2s", outage: { dependency: "payments", mode: "hang" } },
        { at: "9s", for: "2s", errorBurst: { dependency: "payments", rate: 0.5 } },
        { at: "12s", for: "2s", slowdown: { dependency: "stock", factor: 20 } },
        { at: "6s", crash: "consumer", target: "billing/2", restartAfter: "1s" },
      ],
    };
    const first = summaryBytes(patterned);
    expect(summaryBytes(patterned)).toBe(first);
    const summary = JSON.parse(first);
    expect(summary.dependencies.payments.timeouts).toBeGreaterThan(0);
    expect(summary.retries.billing.retries).toBeGreaterThan(0);
    expect(JSON.parse(summaryBytes({ ...patterned, seed: 2 })).dependencies).not.toEqual(summary.dependencies);
  });

  it("gives byte-identical summaries with breakers, group and producer rate limits and DLQ redrives as well", () => {
    const everything = {
      ...busy,
      producers: [
        ...(busy.producers as object[]),
        {
          name: "bursts",
          rate: "300/s",
          rateLimit: { type: "sliding-window", limit: 20, window: "100ms", scope: "key" },
        },
      ],
      dependencies: {
        payments: {
          latency: { dist: "exponential", mean: "5ms" },
          concurrency: 4,
          timeout: "50ms",
          errors: { transient: 0.2 },
        },
      },
      consumers: [
        {
          group: "billing",
          instances: 3,
          concurrency: 2,
          steps: [{ work: { dist: "exponential", mean: "1ms" } }, { call: "payments", sideEffect: true }],
          retry: {
            maxAttempts: 2,
            backoff: { type: "fixed", delay: "5ms", jitter: "equal" },
            onExhausted: "dead-letter",
          },
          breakers: {
            payments: {
              failureRate: 0.5,
              minimumCalls: 10,
              window: { type: "time", length: "1s" },
              openFor: "300ms",
              scope: "instance",
              whileOpen: "fail-fast",
            },
          },
          rateLimit: { type: "token-bucket", rate: "500/s", burst: 20, scope: "instance" },
          redrive: [{ at: "8s", max: 200, rate: "100/s" }, { at: "15s" }],
        },
        { group: "audit", processing: "1ms" },
      ],
      faults: [{ at: "5s", for: "2s", outage: { dependency: "payments" } }],
    };
    const first = summaryBytes(everything);
    expect(summaryBytes(everything)).toBe(first);
    const summary = JSON.parse(first);
    expect(summary.retries.billing.redriven).toBeGreaterThan(0);
    expect(Object.keys(summary.breakers)).toHaveLength(3);
    expect(summary.limiters.bursts.delayed).toBeGreaterThan(0);
    expect(JSON.parse(summaryBytes({ ...everything, seed: 2 })).retries).not.toEqual(summary.retries);
  });
});
