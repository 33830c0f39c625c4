// Proves sweeps distributed over real `queuesim worker` processes and a real Redis write the bytes a local run writes: with healthy workers, with one SIGKILLed mid-task, and after the coordinator dies and is run again (only the missing tasks are computed).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signalProcess, stopProcess } from "../../conformance/lib/processes.js";
import { connectRedis } from "../../conformance/lib/redis.js";
import { finishedTasks, type Lab, logOf, queuesim, startLab, startWorker, stopLab, waitForLog } from "./helpers.js";

// 8 × 4 = 32 points, 3 replications each: 96 tasks of about 10,000 messages.
const scenario = `name: distributed-sweep
seed: 5
duration: 4s
broker: {profile: fifo}
producers: [{name: orders, rate: 2000/s}]
consumers: [{group: billing, instances: 2, processing: {dist: exponential, mean: 3ms}}]
sweep:
  params:
    consumers.billing.instances: 2..9
    producers.orders.rate: [1000/s, 1500/s, 2000/s, 2500/s]
  replications: 3
`;
const TASKS = 96;

let lab: Lab;
let local: Map<string, Buffer>;

/** Every file under a directory, by relative path, as bytes. */
function filesUnder(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(root, path), readFileSync(path));
    }
  };
  walk(root);
  return files;
}

function expectSameFiles(out: string): void {
  const distributed = filesUnder(join(lab.dir, out));
  expect([...distributed.keys()]).toEqual([...local.keys()]);
  for (const [path, bytes] of local) expect(distributed.get(path)?.equals(bytes), path).toBe(true);
}

function sweep(name: string, out: string) {
  return queuesim(lab, name, ["sweep", "sweep.yaml", "--distributed", lab.url, "--out", out]);
}

beforeAll(async () => {
  lab = await startLab({ "sweep.yaml": scenario });
  const run = queuesim(lab, "local", ["sweep", "sweep.yaml", "--out", "local", "--workers", "2"]);
  expect(await run.exited).toEqual({ code: 0, signal: null });
  local = filesUnder(join(lab.dir, "local"));
  expect(local.has("distributed-sweep/sweep/sweep.csv")).toBe(true);
}, 120_000);

afterAll(async () => {
  if (lab) await stopLab(lab);
});

beforeEach(async () => {
  // Every test starts from an empty Redis: results left by another test would be reused.
  const client = await connectRedis(lab.redis.port);
  await client.flushall();
  client.disconnect();
});

async function stopAll(): Promise<void> {
  await Promise.all(lab.processes.map((p) => stopProcess(p, { graceMs: 3000 })));
}

describe("sweep --distributed", () => {
  it("over 3 workers writes the files a local run writes, each task computed once", async () => {
    const workers = ["a", "b", "c"].map((name) => startWorker(lab, `healthy-${name}`));
    const coordinator = sweep("healthy-coordinator", "healthy");
    expect(await coordinator.exited).toEqual({ code: 0, signal: null });
    expectSameFiles("healthy");
    expect(logOf(coordinator)).toContain(
      `${TASKS} tasks on Redis at ${lab.url}: 0 reused from an earlier run, ${TASKS} enqueued`,
    );
    await stopAll();
    expect(workers.flatMap(finishedTasks)).toHaveLength(TASKS);
    // The work was shared: every worker finished some of it.
    for (const worker of workers) expect(finishedTasks(worker).length).toBeGreaterThan(0);
  }, 120_000);

  it("survives a worker SIGKILLed mid-task: its task goes back to the queue and the files are the same", async () => {
    const [victim, ...others] = ["victim", "b", "c"].map((name) => startWorker(lab, `kill-${name}`));
    const coordinator = sweep("kill-coordinator", "killed");
    // Once the victim has finished two tasks and started a third, it is in the middle of one.
    await waitForLog(victim!, (log) => (log.match(/: started$/gm) ?? []).length >= 3);
    signalProcess(victim!.pid, "SIGKILL");
    expect(await coordinator.exited).toEqual({ code: 0, signal: null });
    expectSameFiles("killed");
    expect(logOf(coordinator)).toMatch(/its worker stopped; the task is back in the queue for another/);
    await stopAll();
    // The victim's unfinished task was finished by another worker: no task is missing.
    const finished = [victim!, ...others].flatMap(finishedTasks).map((line) => line.replace(/: done in .*/, ""));
    expect(new Set(finished).size).toBe(TASKS);
  }, 120_000);

  it("resumes after the coordinator is killed: a rerun reuses finished results and computes only the rest", async () => {
    const first = ["a", "b"].map((name) => startWorker(lab, `resume-${name}`));
    const coordinator = sweep("resume-coordinator-1", "resumed");
    await waitUntilFinished(first, 30);
    signalProcess(coordinator.pid, "SIGKILL");
    // The workers stop too (finishing the task in hand), leaving the rest of the queue for later.
    await Promise.all(first.map((worker) => stopProcess(worker, { graceMs: 10_000 })));
    const finishedBefore = first.flatMap(finishedTasks).length;
    expect(finishedBefore).toBeLessThan(TASKS);
    const second = ["c", "d"].map((name) => startWorker(lab, `resume-${name}`));
    const rerun = sweep("resume-coordinator-2", "resumed");
    expect(await rerun.exited).toEqual({ code: 0, signal: null });
    expectSameFiles("resumed");
    expect(logOf(rerun)).toContain(
      `${TASKS} tasks on Redis at ${lab.url}: ${finishedBefore} reused from an earlier run, 0 enqueued, ${TASKS - finishedBefore} already queued`,
    );
    await stopAll();
    // Each task computed exactly once over both runs.
    expect(first.flatMap(finishedTasks).length + second.flatMap(finishedTasks).length).toBe(TASKS);
  }, 120_000);
});

async function waitUntilFinished(workers: ReturnType<typeof startWorker>[], count: number): Promise<void> {
  await waitForLog(workers[0]!, () => workers.flatMap(finishedTasks).length >= count);
}
