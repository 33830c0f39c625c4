// Proves warm-up removal reduces the bias of a steady-state estimate when a run starts with a backlog.
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/**
 * An M/M/1 queue at rho = 0.5 (theory: mean queue wait 1 ms) that opens with a
 * 200 ms burst at 10x the rate, building a backlog of about 900 messages that
 * takes about 2 s to clear. Measured from t = 0 the mean wait is far too high;
 * discarding the first 5 s brings it back to theory.
 */
function meanWaitMs(seed: number, warmup: string): { mean: number; discarded: number } {
  const result = simulate(
    parsed(
      scenarioInput({
        seed,
        duration: "40s",
        warmup,
        producers: [
          {
            name: "arrivals",
            arrival: {
              phases: [
                { for: "200ms", rate: "5000/s" },
                { for: "100s", rate: "500/s" },
              ],
            },
          },
        ],
        consumers: [{ group: "server", processing: { dist: "exponential", mean: "1ms" } }],
      }),
    ),
  );
  return { mean: result.queueWait.mean / 1000, discarded: result.warmupDiscarded };
}

describe("warm-up removal", () => {
  it("cuts the start-up bias of the mean queue wait", () => {
    const seeds = [1, 2, 3, 4, 5];
    const bias = (warmup: string) =>
      seeds.reduce((sum, seed) => sum + meanWaitMs(seed, warmup).mean - 1, 0) / seeds.length;
    const without = bias("0");
    const withWarmup = bias("5s");
    expect(without).toBeGreaterThan(0.5);
    expect(Math.abs(withWarmup)).toBeLessThan(0.1);
    expect(Math.abs(withWarmup)).toBeLessThan(without / 5);
  });

  it("reports how many samples it discarded", () => {
    const { discarded } = meanWaitMs(1, "5s");
    // About 1,000 burst messages plus 500/s for the rest of the 5 s, each counted for queue wait and end-to-end.
    expect(discarded).toBeGreaterThan(2 * (1000 + 2300));
    expect(discarded).toBeLessThan(2 * (1000 + 2600));
  });
});
