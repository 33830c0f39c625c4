// The distributed benchmark: 1M-message tasks on the local pool and on BullMQ workers (a private
// redis-server, `queuesim worker` processes from the sources). Prints the per-task overhead of the BullMQ
// path and the throughput of 2 workers against 1, medians of interleaved rounds, and the load average
// (other work on the machine slows every measurement alike, but not evenly).

import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { spawnProcess, stopProcess, waitForLogLine } from "../conformance/lib/processes.js";
import { connectRedis } from "../conformance/lib/redis.js";
import { startRedis } from "../conformance/lib/servers/redis.js";
import { distributedRunner } from "../src/distributed/coordinator.js";
import { queuesimVersion } from "../src/distributed/version.js";
import { validateScenario } from "../src/index.js";
import { replicate } from "../src/stats/replications.js";

const TASKS = Number(process.env.TASKS ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const written = {
  name: "bench-distributed",
  seed: 1,
  duration: "500s",
  broker: { profile: "fifo" },
  producers: [{ name: "load", rate: "2000/s" }],
  consumers: [{ group: "workers", instances: 4, processing: { dist: "exponential", mean: "1ms" } }],
};
const validated = validateScenario(written);
if (!validated.ok) throw new Error("the distributed benchmark scenario is invalid");
const scenario = validated.scenario;

const dir = mkdtempSync(join(tmpdir(), "queuesim-bench-distributed-"));
const redis = await startRedis(join(dir, "redis"));
const url = `redis://127.0.0.1:${redis.port}`;
const client = await connectRedis(redis.port);
const tsx = import.meta.resolve("tsx");
const bin = join(import.meta.dirname, "..", "src", "cli", "bin.ts");

async function startWorker(name: string) {
  const worker = spawnProcess({
    name,
    command: process.execPath,
    args: ["--import", tsx, bin, "worker", "--redis", url, "--concurrency", "1"],
    logFile: join(dir, `${name}.log`),
  });
  await waitForLogLine(worker, /taking tasks from/, 30_000);
  return worker;
}

async function timed(run: () => Promise<unknown>): Promise<{ seconds: number; result: string }> {
  const started = process.hrtime.bigint();
  const result = JSON.stringify(await run());
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, result };
}

// Ctrl-C or a timeout's SIGTERM: run the exit handlers that stop the server and workers by PID.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

const runner = distributedRunner({ target: { url, shown: url }, version: queuesimVersion(), log: () => {} });
const local = (workers: number) => () => replicate(scenario, TASKS, { workers });
const distributed = async () => {
  // Results from an earlier measurement would be reused: every measurement starts from an empty Redis.
  await client.flushall();
  return replicate(scenario, TASKS, { runner }, undefined, written);
};

const times: Record<string, number[]> = { local1: [], bullmq1: [], local2: [], bullmq2: [] };
const loads: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  loads.push(loadavg()[0]!);
  const first = await startWorker(`worker-a-${round}`);
  const results = [await timed(local(1)), await timed(distributed)];
  const second = await startWorker(`worker-b-${round}`);
  results.push(await timed(distributed), await timed(local(2)));
  await Promise.all([stopProcess(first), stopProcess(second)]);
  if (new Set(results.map((r) => r.result)).size !== 1) throw new Error("invariant: the runners' results differ");
  ["local1", "bullmq1", "bullmq2", "local2"].forEach((name, i) => {
    times[name]!.push(results[i]!.seconds);
  });
  console.log(
    `round ${round + 1}: ${results.map((r) => r.seconds.toFixed(2)).join(" s, ")} s (local 1, BullMQ 1, BullMQ 2, local 2)`,
  );
}
client.disconnect();
await redis.stop();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const perTask = (name: string) => median(times[name]!) / TASKS;
console.log(
  `${TASKS} tasks of 1M messages each, ${ROUNDS} interleaved rounds, load average ${loads.map((l) => l.toFixed(1)).join(", ")}`,
);
console.log(
  `per task: local pool ${perTask("local1").toFixed(3)} s, BullMQ worker ${perTask("bullmq1").toFixed(3)} s, overhead ${((perTask("bullmq1") / perTask("local1") - 1) * 100).toFixed(1)}%`,
);
console.log(
  `2 workers against 1: BullMQ ${(perTask("bullmq1") / perTask("bullmq2")).toFixed(2)}x, local threads ${(perTask("local1") / perTask("local2")).toFixed(2)}x (results identical)`,
);
