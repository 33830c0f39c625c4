// Property tests over generated scenarios: an injected duplicate is always reported, and without faults nothing is ever lost.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateChecks, simulate } from "../../src/index.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/** Small work queues: a few producers and consumer groups with varied rates, processing and latency. */
const workQueue = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  rate: fc.integer({ min: 20, max: 400 }),
  producers: fc.integer({ min: 1, max: 3 }),
  groups: fc.integer({ min: 1, max: 2 }),
  instances: fc.integer({ min: 1, max: 4 }),
  concurrency: fc.integer({ min: 1, max: 3 }),
  processingMicros: fc.integer({ min: 50, max: 5_000 }),
  latencyMicros: fc.integer({ min: 0, max: 2_000 }),
  prefetch: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
});

type WorkQueue = typeof workQueue extends fc.Arbitrary<infer T> ? T : never;

function scenario(q: WorkQueue, extra: Record<string, unknown> = {}) {
  return parsed(
    scenarioInput({
      seed: q.seed,
      duration: "3s",
      drainTimeout: "10m",
      broker: { profile: "fifo", settings: { prefetch: q.prefetch } },
      network: { latency: `${q.latencyMicros}us` },
      producers: Array.from({ length: q.producers }, (_, i) => ({ name: `p${i}`, rate: `${q.rate}/s` })),
      consumers: Array.from({ length: q.groups }, (_, i) => ({
        group: `g${i}`,
        instances: q.instances,
        concurrency: q.concurrency,
        processing: { dist: "exponential", mean: `${q.processingMicros}us` },
      })),
      ...extra,
    }),
  );
}

// Fixed seed: the same 40 scenarios every run; a failure prints the counterexample to replay.
const settings = { seed: 20261125, numRuns: 40 };

describe("properties", () => {
  it("without faults, at-least-once holds: nothing lost, nothing pending", () => {
    fc.assert(
      fc.property(workQueue, (q) => {
        const result = simulate(scenario(q, { expect: { delivery: "at-least-once" } }));
        expect(result.counts.lost).toBe(0);
        expect(result.counts.pending).toBe(0);
        expect(evaluateChecks(result).every((check) => check.passed)).toBe(true);
      }),
      settings,
    );
  });

  it("a delivery duplicated on the wire is always reported, and exactly-once fails with an example", () => {
    fc.assert(
      fc.property(workQueue, fc.double({ min: 0.05, max: 1, noNaN: true }), (q, probability) => {
        const result = simulate(
          scenario(q, {
            faults: [{ at: "500ms", for: "2s", duplicate: { probability } }],
            expect: { delivery: "exactly-once" },
          }),
        );
        const injected = result.faults[0]?.effects.duplicatedDeliveries ?? 0;
        expect(result.counts.duplicated).toBe(injected);
        if (injected > 0) {
          const [check] = evaluateChecks(result);
          expect(check?.passed).toBe(false);
          expect(check?.counterExample?.events).toHaveLength(2);
        }
      }),
      settings,
    );
  });
});
