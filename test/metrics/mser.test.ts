// Proves MSER-5 finds the end of a start-up transient, and that warmup: auto uses it reproducibly.
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { mser5 } from "../../src/metrics/mser.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

describe("MSER-5", () => {
  it("drops a decaying transient and keeps a stationary series whole", () => {
    const noise = (i: number) => ((i * 7919) % 13) / 13 - 0.5;
    const transient = Array.from({ length: 200 }, (_, i) => (i < 40 ? 10 - i / 4 : 0) + noise(i));
    const dropped = mser5(transient);
    expect(dropped).toBeGreaterThanOrEqual(35);
    expect(dropped).toBeLessThanOrEqual(45);
    expect(mser5(Array.from({ length: 200 }, (_, i) => noise(i)))).toBeLessThan(20);
  });

  it("warmup: auto cuts the burst at the start of a run, the same way every time", () => {
    const scenario = parsed(
      scenarioInput({
        duration: "40s",
        warmup: "auto",
        producers: [
          {
            name: "a",
            arrival: {
              phases: [
                { for: "200ms", rate: "5000/s" },
                { for: "100s", rate: "500/s" },
              ],
            },
          },
        ],
        consumers: [{ group: "s", processing: { dist: "exponential", mean: "1ms" } }],
      }),
    );
    const first = simulate(scenario);
    expect(first.scenario.warmup).toBeGreaterThan(1_000_000);
    expect(first.scenario.warmup).toBeLessThan(10_000_000);
    expect(first.warmupDiscarded).toBeGreaterThan(0);
    // Theory for the steady state: 1 ms mean queue wait.
    expect(Math.abs(first.queueWait.mean / 1000 - 1)).toBeLessThan(0.15);
    expect(simulate(scenario).scenario.warmup).toBe(first.scenario.warmup);
  });
});
