// Proves bounded stage cycles (maxHops): exact consumptions per root, the hop-limited count, flows ending at the bound, Little's law per stage, determinism.
import { describe, expect, it } from "vitest";
import { runScenario, simulate } from "../../src/index.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/**
 * intake → a ⇄ b: a and b bounce each message between them (an order passed back and forth between two
 * services) until `maxHops` stops it. `bounds` puts maxHops on a, on b, or on both.
 */
function loop(maxHops: number, bounds: "a" | "b" | "both", overrides: Record<string, unknown> = {}) {
  const bound = (group: string) => (bounds === "both" || bounds === group ? { maxHops } : {});
  return scenarioInput({
    duration: "10s",
    producers: [{ name: "shop", rate: "50/s", limit: 100 }],
    consumers: [
      { group: "intake", processing: "1ms", publishTo: "a" },
      { group: "a", processing: "2ms", publishTo: "b", ...bound("a") },
      { group: "b", processing: "2ms", publishTo: "a", ...bound("b") },
    ],
    ...overrides,
  });
}

describe("bounded cycles", () => {
  // A root makes 0 hops at intake, 1 at its first visit to a, 2 at b, ...: the loop consumes hops 1..maxHops.
  it.each([
    // maxHops, where, a's and b's consumptions per root, who stops the flow
    [3, "both", 2, 1, "a"],
    [4, "both", 2, 2, "b"],
    [1, "both", 1, 0, "a"],
    // Only b bounds the loop: a publishes the message at hop 3 on, b stops it at hop 4 (its first visit at or past 3).
    [3, "b", 2, 2, "b"],
  ] as const)(
    "maxHops %i on %s: exactly %i consumptions at a and %i at b per root, stopped at %s",
    (maxHops, bounds, atA, atB, stopper) => {
      const { summary } = runScenario(parsed(loop(maxHops, bounds)));
      const stages = summary.stages!;
      expect(stages.intake).toMatchObject({ received: 100, consumed: 100, publishedOnward: 100 });
      expect(stages.a).toMatchObject({ received: 100 * atA, consumed: 100 * atA, lost: 0, duplicated: 0 });
      expect(stages.b).toMatchObject({ received: 100 * atB, consumed: 100 * atB, lost: 0, duplicated: 0 });
      expect(stages[stopper]!.hopLimited).toBe(100);
      const other = stopper === "a" ? "b" : "a";
      expect(stages[other]!.hopLimited ?? 0).toBe(0);
      // A stage without maxHops reports no hopLimited at all.
      if (bounds !== "both") expect(stages[other]).not.toHaveProperty("hopLimited");
      // Every flow ends where the bound stopped it: that is its end, so all are complete.
      expect(summary.endToEnd).toMatchObject({ roots: 100, completed: 100 });
      expect(summary.messages).toMatchObject({ published: 100 * (2 + atA + atB) - 100, lost: 0, pending: 0 });
    },
  );

  it("an expect bound on hopLimited is judged", () => {
    const input = loop(3, "both", { expect: { stages: { a: { hopLimited: { max: 99 } } } } });
    const { checks } = runScenario(parsed(input));
    const check = checks.find((c) => c.name === "stages.a.hopLimited");
    expect(check).toMatchObject({ passed: false });
  });

  it("is deterministic: the same seed gives the same bytes, with latency and a lossy broker", () => {
    const input = loop(5, "a", {
      network: { latency: { dist: "lognormal", median: "300us", p99: "3ms" } },
      broker: { profile: "rabbitmq" },
      faults: [{ at: "1s", crash: "consumer", target: "b/1", point: "after-side-effect", restartAfter: "100ms" }],
    });
    const once = JSON.stringify(runScenario(parsed(input)).summary);
    expect(JSON.stringify(runScenario(parsed(input)).summary)).toBe(once);
  });

  it("Little's law holds per stage of a loop: L = λW within 2%", () => {
    // λ = 30/s roots; a is visited twice per root (60/s, μ = 200/s), b once: exponential services, no network time.
    const result = simulate(
      parsed(
        scenarioInput({
          seed: 8,
          duration: "1000s",
          producers: [{ name: "arrivals", rate: "30/s" }],
          consumers: [
            { group: "intake", processing: { dist: "exponential", mean: "5ms" }, publishTo: "a" },
            { group: "a", processing: { dist: "exponential", mean: "5ms" }, publishTo: "b", maxHops: 3 },
            { group: "b", processing: { dist: "exponential", mean: "10ms" }, publishTo: "a" },
          ],
        }),
      ),
    );
    const seconds = 1000;
    const [intake, a, b] = result.flows!.stages;
    // a sees each root twice: twice intake's arrivals, within the last instant's stragglers.
    expect(Math.abs(a!.arrivedDuringRun - 2 * intake!.arrivedDuringRun)).toBeLessThan(5);
    for (const stage of [intake!, a!, b!]) {
      const lambda = stage.arrivedDuringRun / seconds;
      const w = stage.meanSojournMicros / 1e6;
      expect(Math.abs(stage.meanInStage / (lambda * w) - 1)).toBeLessThan(0.02);
    }
    expect(result.flows!.hopLimited).toEqual([null, intake!.consumed, null]);
  });
});
