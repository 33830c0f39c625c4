// Proves runs on worker threads give byte-identical results to running them one by one, in job order.
import { describe, expect, it } from "vitest";
import { runAll } from "../../src/parallel/pool.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const scenarios = [1, 2, 3, 4, 5].map((seed) =>
  parsed(
    scenarioInput({
      seed,
      duration: "5s",
      network: { latency: { dist: "exponential", mean: "300us" } },
      producers: [{ name: "p", rate: `${100 * seed}/s` }],
      consumers: [{ group: "g", instances: 2, processing: { dist: "exponential", mean: "2ms" } }],
      faults: [{ at: "2s", crash: "consumer", target: "g/1", restartAfter: "1s" }],
    }),
  ),
);

describe("runAll", () => {
  it("gives the same runs, in job order, with 1 worker or 3", async () => {
    const finished: number[] = [];
    const sequential = await runAll(scenarios, { series: "auto" }, { workers: 1 });
    const parallel = await runAll(scenarios, { series: "auto" }, { workers: 3, onDone: (done) => finished.push(done) });
    expect(JSON.stringify(parallel)).toBe(JSON.stringify(sequential));
    expect(parallel.map((run) => run.summary.seed)).toEqual([1, 2, 3, 4, 5]);
    expect(finished).toEqual([1, 2, 3, 4, 5]);
  });
});
