// Proves pipelines route each stage's messages to its target only, keep lineage, propagate the dual-write gap, and match Jackson and Little.
import { describe, expect, it } from "vitest";
import { profiles } from "../../src/brokers/profiles.js";
import { runScenario, simulate } from "../../src/index.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/** A two-stage flow: orders → billing (fan-out `count`) → email, on `profile`. */
function twoStages(overrides: Record<string, unknown> = {}, billing: Record<string, unknown> = {}) {
  return scenarioInput({
    duration: "10s",
    producers: [{ name: "shop", rate: "50/s", limit: 100 }],
    consumers: [
      { group: "orders", processing: "1ms", publishTo: "billing" },
      { group: "billing", instances: 2, processing: "2ms", publishTo: { group: "email", count: 2 }, ...billing },
      { group: "email", processing: "1ms" },
    ],
    ...overrides,
  });
}

describe("pipelines", () => {
  // Every profile whose descriptor says it routes stages, at zero latency (hops are calls) and lognormal, as the contract suite runs.
  const routing = profiles.filter((p) => p.routesStages === true).map((p) => p.name);
  const latencies = { zero: 0, lognormal: { dist: "lognormal", median: "300us", p99: "3ms" } };
  it.each(routing.flatMap((profile) => Object.keys(latencies).map((latency) => [profile, latency])))(
    "%s at %s latency: each stage receives only what its upstream publishes, and fan-out multiplies it",
    (profile, latency) => {
      const network = { latency: latencies[latency as keyof typeof latencies] };
      const { summary } = runScenario(parsed(twoStages({ broker: { profile }, network })));
      expect(summary.stages?.orders).toMatchObject({ received: 100, consumed: 100, publishedOnward: 100, lost: 0 });
      expect(summary.stages?.billing).toMatchObject({ received: 100, consumed: 100, publishedOnward: 200, lost: 0 });
      expect(summary.stages?.email).toMatchObject({ received: 200, consumed: 200, publishedOnward: 0, lost: 0 });
      expect(summary.messages).toMatchObject({ published: 400, consumed: 400, lost: 0, pending: 0, duplicated: 0 });
      expect(summary.endToEnd).toMatchObject({ roots: 100, completed: 100 });
    },
  );

  it("rabbitmq topic exchange: producers' messages go where their keys are bound, onward messages straight to their target's queue", () => {
    const input = scenarioInput({
      duration: "10s",
      broker: { profile: "rabbitmq", settings: { exchange: "topic" } },
      producers: [
        { name: "shop", rate: "50/s", limit: 100, routingKey: { weights: { "orders.eu": 1, "orders.us": 1 } } },
      ],
      consumers: [
        { group: "eu", processing: "1ms", bindings: ["orders.eu"], publishTo: "archive" },
        { group: "us", processing: "1ms", bindings: ["orders.us"] },
        // Fed by a stage: no bindings needed, and its binding would not matter.
        { group: "archive", processing: "1ms" },
      ],
    });
    const { stages, messages } = runScenario(parsed(input)).summary;
    expect(stages!.eu!.received + stages!.us!.received).toBe(100);
    expect(stages!.archive).toMatchObject({ received: stages!.eu!.received, consumed: stages!.eu!.received });
    expect(messages).toMatchObject({ lost: 0, pending: 0 });
  });

  it("counts a stage's latency from the root's publish: each stage is later than the one before", () => {
    const evenly = { producers: [{ name: "shop", arrival: { process: "constant", rate: "50/s" }, limit: 100 }] };
    const { summary } = runScenario(parsed(twoStages(evenly)));
    const mean = (group: string) => summary.stages![group]!.latency.mean;
    // 1 ms, then 2 ms more, then 1 ms more: zero network latency, and evenly spaced arrivals never queue,
    // except the second of each pair of emails, which waits 1 ms for the first: 4 and 5 ms, mean 4.5.
    expect(mean("orders")).toBeCloseTo(1, 6);
    expect(mean("billing")).toBeCloseTo(3, 6);
    expect(mean("email")).toBeCloseTo(4.5, 6);
    expect(summary.endToEnd!.latency.mean).toBeCloseTo(4.5, 6);
  });

  it("the dual-write gap: a crash after the dedup record skips the publish on redelivery, so the outputs are lost before they exist", () => {
    const crash = { at: "1s", crash: "consumer", target: "billing/1", point: "after-dedup-record", restartAfter: "1s" };
    const input = twoStages(
      { broker: { profile: "fifo", settings: { crashDetection: "1s" } }, faults: [crash] },
      { idempotency: { strategy: "dedup-store" } },
    );
    const { summary } = runScenario(parsed(input));
    expect(summary.stages?.billing).toMatchObject({
      received: 100,
      consumed: 100,
      publishedOnward: 198,
      duplicated: 1,
    });
    expect(summary.stages?.email).toMatchObject({ received: 198, consumed: 198, lost: 0 });
    // No queue ever held the two emails, so no pair is lost; the flow is what is incomplete.
    expect(summary.messages).toMatchObject({ lost: 0, sideEffectsRepeated: 0 });
    expect(summary.endToEnd).toMatchObject({ roots: 100, completed: 99 });
  });

  it("the dual-write gap without a dedup store: the redelivery repeats the effect and publishes once", () => {
    const crash = { at: "1s", crash: "consumer", target: "billing/1", point: "after-side-effect", restartAfter: "1s" };
    const input = twoStages({ broker: { profile: "fifo", settings: { crashDetection: "1s" } }, faults: [crash] });
    const { summary } = runScenario(parsed(input));
    expect(summary.stages?.billing).toMatchObject({ consumed: 100, publishedOnward: 200, duplicated: 1 });
    expect(summary.stages?.email).toMatchObject({ received: 200, consumed: 200, duplicated: 0 });
    expect(summary.messages.sideEffectsRepeated).toBe(1);
    expect(summary.endToEnd).toMatchObject({ roots: 100, completed: 100 });
  });

  it("a redelivery after the publish and before the ack publishes again: duplicates propagate downstream", () => {
    const crash = { at: "1s", crash: "consumer", target: "billing/1", point: "before-ack", restartAfter: "1s" };
    const input = twoStages({ broker: { profile: "fifo", settings: { crashDetection: "1s" } }, faults: [crash] });
    const { summary } = runScenario(parsed(input));
    expect(summary.stages?.billing).toMatchObject({ consumed: 100, publishedOnward: 202, duplicated: 1 });
    // The two emails published again are new messages: each consumed once, not duplicates of a pair.
    expect(summary.stages?.email).toMatchObject({ received: 202, consumed: 202 });
  });

  it("choose by key: one key always takes one route; by weight the split follows the weights", () => {
    const route = (by: string, keys: unknown) =>
      runScenario(
        parsed(
          scenarioInput({
            duration: "100s",
            producers: [{ name: "shop", rate: "100/s", keys }],
            consumers: [
              { group: "router", processing: "0ms", publishTo: { choose: { fast: 3, slow: 1 }, by } },
              { group: "fast", processing: "0ms" },
              { group: "slow", processing: "0ms" },
            ],
          }),
        ),
      ).summary.stages!;
    const keyed = route("key", { count: 1 });
    expect([keyed.fast!.received, keyed.slow!.received].sort()).toEqual([0, keyed.router!.received]);
    const weighted = route("weight", "none");
    const share = weighted.fast!.received / weighted.router!.received;
    // About 10,000 inputs: the binomial standard deviation of the share is sqrt(0.75 * 0.25 / 10,000) = 0.0043.
    expect(share).toBeGreaterThan(0.75 - 4 * 0.0043);
    expect(share).toBeLessThan(0.75 + 4 * 0.0043);
  });

  it("a gather that times out counts the set once and the parts after it as late", () => {
    const input = scenarioInput({
      duration: "1s",
      producers: [{ name: "shop", arrival: { process: "constant", rate: "10/s" }, limit: 1 }],
      consumers: [
        { group: "split", processing: "0ms", publishTo: [{ group: "quick", count: 2 }, "slowpoke"] },
        { group: "quick", processing: "1ms", publishTo: "join" },
        { group: "slowpoke", processing: "5s", publishTo: "join" },
        { group: "join", processing: "0ms", gather: { parts: 3, timeout: "1s" } },
      ],
    });
    const { summary } = runScenario(parsed(input));
    expect(summary.stages?.join?.gather).toEqual({ completed: 0, timedOut: 1, late: 1 });
    expect(summary.endToEnd).toMatchObject({ roots: 1, completed: 0 });
  });

  it("is deterministic: the same flow scenario and seed give the same bytes", () => {
    const input = twoStages({ network: { latency: { dist: "lognormal", median: "200us", p99: "2ms" } } });
    const once = JSON.stringify(runScenario(parsed(input)).summary);
    expect(JSON.stringify(runScenario(parsed(input)).summary)).toBe(once);
  });
});

describe("pipelines against queueing theory", () => {
  /** Three M/M/1 stations in tandem: λ = 50/s, μ = 100/s each, zero network latency and broker overhead. */
  const tandem = (seconds: number, seed: number) =>
    simulate(
      parsed(
        scenarioInput({
          seed,
          duration: `${seconds}s`,
          producers: [{ name: "arrivals", rate: "50/s" }],
          consumers: [
            { group: "one", processing: { dist: "exponential", mean: "10ms" }, publishTo: "two" },
            { group: "two", processing: { dist: "exponential", mean: "10ms" }, publishTo: "three" },
            { group: "three", processing: { dist: "exponential", mean: "10ms" } },
          ],
        }),
      ),
    );

  it("a 3-stage M/M/1 tandem matches Jackson's end-to-end sojourn, the sum of 1/(μ - λ), within 3%", () => {
    const result = tandem(2000, 3);
    // By Burke's theorem each stage sees Poisson arrivals at 50/s: 3 × 1/(100 - 50) s = 60 ms.
    const expected = 3 * (1 / (100 - 50)) * 1e6;
    expect(result.flows!.endToEnd.count).toBeGreaterThan(95_000);
    expect(Math.abs(result.flows!.endToEnd.mean / expected - 1)).toBeLessThan(0.03);
  });

  it("Little's law holds per stage: L = λW within 2%", () => {
    const result = tandem(2000, 5);
    const seconds = 2000;
    for (const stage of result.flows!.stages) {
      const lambda = stage.arrivedDuringRun / seconds;
      const w = stage.meanSojournMicros / 1e6;
      expect(Math.abs(stage.meanInStage / (lambda * w) - 1)).toBeLessThan(0.02);
      // Each stage is an M/M/1 with ρ = 0.5: L = ρ / (1 - ρ) = 1, within the run's noise.
      expect(stage.meanInStage).toBeGreaterThan(0.9);
      expect(stage.meanInStage).toBeLessThan(1.1);
    }
  });
});

describe("pipelines and the run's accounting", () => {
  it("an onward publish cut off on its way to the broker is pending for its target only (found by the swarm, seed 9)", () => {
    const input = scenarioInput({
      seed: 0,
      duration: "50ms",
      drainTimeout: "1s",
      producers: [{ name: "p1", arrival: { process: "poisson", rate: "24/s" } }],
      consumers: [
        { group: "g1", processing: "100us", publishTo: { choose: { g2: 1 }, by: "key" } },
        { group: "g2", processing: { dist: "pareto", scale: "100us", shape: 1.5 } },
      ],
      faults: [
        { at: "0ms", crash: "consumer", target: "g1/1", point: "now", mode: "process", restartAfter: "1ms" },
        { at: "0ms", crash: "consumer", target: "g1/1", point: "now", mode: "process", restartAfter: "1ms" },
        {
          for: "1ms",
          partition: { between: ["broker", "g1/1"] },
          every: { dist: "exponential", mean: "44ms" },
          stableFor: "44ms",
        },
      ],
    });
    const m = runScenario(parsed(input)).summary.messages;
    // docs/output.md: consumed + lost + pending + deadLettered + unknown + notRouted = (published − rejected) × groups.
    const classified = m.consumed + m.lost + m.pending + m.deadLettered + m.unknown + (m.notRouted ?? 0);
    expect(classified).toBe((m.published - m.rejected) * 2);
    // Three roots, each published onward once; one onward message was cut off on the stage's link: it is
    // pending for g2 alone, and not routed to g1 like every onward message (3) and every root for g2 (3).
    expect(m).toMatchObject({ published: 6, consumed: 5, pending: 1, notRouted: 6 });
  });
});
