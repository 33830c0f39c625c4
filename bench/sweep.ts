// The sweep benchmark: a 16-point sweep run on one worker, then on every core; prints the speed-up.
import { availableParallelism } from "node:os";
import { validateScenario } from "../src/index.js";
import { expandGrid, runPoints } from "../src/sweep/sweep.js";

const data = {
  name: "bench-sweep",
  seed: 1,
  duration: "600s",
  broker: { profile: "fifo" },
  producers: [{ name: "load", rate: "2000/s" }],
  consumers: [{ group: "workers", instances: 4, processing: { dist: "exponential", mean: "1ms" } }],
};
if (!validateScenario(data).ok) throw new Error("the sweep benchmark scenario is invalid");
const grid = expandGrid(data, [
  { path: "consumers.workers.instances", values: [3, 4, 5, 6] },
  { path: "producers.load.rate", values: ["1000/s", "1500/s", "2000/s", "2500/s"] },
]);
if (!grid.ok) throw new Error(JSON.stringify(grid.issues));

async function timed(workers: number): Promise<{ seconds: number; csv: string }> {
  const started = process.hrtime.bigint();
  const results = await runPoints(grid.ok ? grid.points : [], 1, { workers });
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, csv: JSON.stringify(results) };
}

const cores = availableParallelism();
const one = await timed(1);
const all = await timed(cores);
if (all.csv !== one.csv) throw new Error("invariant: parallel sweep results differ from sequential ones");
console.log(
  `16-point sweep (about 17 M messages): 1 worker ${one.seconds.toFixed(2)}s, ${cores} workers ${all.seconds.toFixed(2)}s, speed-up ${(one.seconds / all.seconds).toFixed(2)}x (results identical)`,
);
