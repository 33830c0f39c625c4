// The distributed benchmark: 1M-message tasks on the local pool and on BullMQ workers (a private
// redis-server, `queuesim worker` processes from the sources). Prints the per-task overhead of the BullMQ
// path and the throughput of 2 workers against 1, medians of interleaved rounds, and the load average
// (other work on the machine slows every measurement alike, but not evenly).

import { mkdtempSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { signalProcess, spawnProcess, stopProcess, waitForLogLine } from "../conformance/lib/processes.js";
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
const redisPid = Number(/process_id:(\d+)/.exec(await client.info("server"))?.[1]);
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

/** CPU seconds a process has used so far (user and system), from /proc: Linux only, like the suite. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function cpuSeconds(pids: readonly number[]): number {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1e6 + pids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
}

/**
 * Wall time, and CPU time of this process (the coordinator, or the local pool's threads), the workers and
 * redis-server: on a machine others share, CPU time shows the overhead that wall time hides in noise.
 */
async function timed(run: () => Promise<unknown>, pids: readonly number[]) {
  const cpuBefore = cpuSeconds(pids);
  const started = process.hrtime.bigint();
  const result = JSON.stringify(await run());
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, cpu: cpuSeconds(pids) - cpuBefore, result };
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

const names = ["local1", "bullmq1", "bullmq2", "local2"];
const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
const cpu: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
const loads: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  loads.push(loadavg()[0]!);
  const first = await startWorker(`worker-a-${round}`);
  const second = await startWorker(`worker-b-${round}`);
  const both = [redisPid, first.pid, second.pid];
  // Both workers start warm; for the one-worker measurement the second is paused.
  const results = [await timed(local(1), both)];
  signalProcess(second.pid, "SIGSTOP");
  results.push(await timed(distributed, both));
  signalProcess(second.pid, "SIGCONT");
  results.push(await timed(distributed, both), await timed(local(2), both));
  await Promise.all([stopProcess(first), stopProcess(second)]);
  if (new Set(results.map((r) => r.result)).size !== 1) throw new Error("invariant: the runners' results differ");
  names.forEach((name, i) => {
    times[name]!.push(results[i]!.seconds);
    cpu[name]!.push(results[i]!.cpu);
  });
  const shown = results.map((r) => `${r.seconds.toFixed(2)} s (CPU ${r.cpu.toFixed(2)} s)`);
  console.log(`round ${round + 1}: ${shown.join(", ")}: local 1, BullMQ 1, BullMQ 2, local 2`);
}
client.disconnect();
await redis.stop();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const perTask = (name: string) => median(times[name]!) / TASKS;
const cpuPerTask = (name: string) => median(cpu[name]!) / TASKS;
const percent = (value: number) => `${value >= 0 ? "+" : ""}${(value * 100).toFixed(1)}%`;
console.log(
  `${TASKS} tasks of 1M messages each, medians of ${ROUNDS} interleaved rounds, load average ${loads.map((l) => l.toFixed(1)).join(", ")}`,
);
console.log(
  `per task, wall: local pool ${perTask("local1").toFixed(3)} s, BullMQ ${perTask("bullmq1").toFixed(3)} s (${percent(perTask("bullmq1") / perTask("local1") - 1)})`,
);
console.log(
  `per task, CPU:  local pool ${cpuPerTask("local1").toFixed(3)} s, BullMQ ${cpuPerTask("bullmq1").toFixed(3)} s (${percent(cpuPerTask("bullmq1") / cpuPerTask("local1") - 1)})`,
);
console.log(
  `2 workers against 1: BullMQ ${(perTask("bullmq1") / perTask("bullmq2")).toFixed(2)}x, local threads ${(perTask("local1") / perTask("local2")).toFixed(2)}x (results identical)`,
);
