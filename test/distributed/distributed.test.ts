// Proves sweeps distributed over real `queuesim worker` processes and a real Redis write the bytes a local run writes: with healthy workers, with one SIGKILLed mid-task, and after the coordinator dies and is run again (only the missing tasks are computed).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { signalProcess, stopProcess } from "../../conformance/lib/processes.js";
import { connectRedis } from "../../conformance/lib/redis.js";
import { DistributedTaskFailure, distributedRunner } from "../../src/distributed/coordinator.js";
import { expandGrid, runPoints } from "../../src/sweep/sweep.js";
import {
  finishedTasks,
  type Lab,
  logOf,
  queuesim,
  startLab,
  startReadyWorkers,
  startWorker,
  stopLab,
  waitForLog,
} from "./helpers.js";

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
    const workers = await startReadyWorkers(lab, ["healthy-a", "healthy-b", "healthy-c"]);
    const coordinator = sweep("healthy-coordinator", "healthy");
    expect(await coordinator.exited).toEqual({ code: 0, signal: null });
    expectSameFiles("healthy");
    expect(logOf(coordinator)).toContain(
      `${TASKS} tasks on Redis at ${lab.url}: 0 reused from an earlier run, ${TASKS} enqueued`,
    );
    await stopAll();
    expect(new Set(workers.flatMap(finishedTasks)).size).toBe(TASKS);
    // The work was shared: every worker finished some of it.
    for (const worker of workers) expect(finishedTasks(worker).length).toBeGreaterThan(0);
  }, 120_000);

  it("survives a worker SIGKILLed mid-task: its task goes back to the queue and the files are the same", async () => {
    const [victim, ...others] = await startReadyWorkers(lab, ["kill-victim", "kill-b", "kill-c"]);
    const coordinator = sweep("kill-coordinator", "killed");
    // Once the victim has finished two tasks and started a third, it is in the middle of one.
    await waitForLog(victim!, (log) => (log.match(/: started$/gm) ?? []).length >= 3);
    signalProcess(victim!.pid, "SIGKILL");
    expect(await coordinator.exited).toEqual({ code: 0, signal: null });
    expectSameFiles("killed");
    expect(logOf(coordinator)).toMatch(/its worker stopped; the task is back in the queue for another/);
    await stopAll();
    // The victim's unfinished task was finished by another worker: no task is missing.
    expect(new Set([victim!, ...others].flatMap(finishedTasks)).size).toBe(TASKS);
  }, 120_000);

  it("resumes after the coordinator is killed: a rerun reuses finished results and computes only the rest", async () => {
    const first = ["a", "b"].map((name) => startWorker(lab, `resume-${name}`));
    const coordinator = sweep("resume-coordinator-1", "resumed");
    await waitUntilFinished(first, 30);
    signalProcess(coordinator.pid, "SIGKILL");
    // The workers stop too (finishing the task in hand), leaving the rest of the queue for later.
    await Promise.all(first.map((worker) => stopProcess(worker, { graceMs: 10_000 })));
    const before = new Set(first.flatMap(finishedTasks));
    const finishedBefore = before.size;
    expect(finishedBefore).toBeLessThan(TASKS);
    // The rerun looks its tasks up before any worker runs again, so the counts it prints are exact.
    const rerun = sweep("resume-coordinator-2", "resumed");
    await waitForLog(rerun, (log) => log.includes(" already queued"));
    const second = ["c", "d"].map((name) => startWorker(lab, `resume-${name}`));
    expect(await rerun.exited).toEqual({ code: 0, signal: null });
    expectSameFiles("resumed");
    const counts =
      /(\d+) tasks on Redis at \S+: (\d+) reused from an earlier run, (\d+) enqueued, (\d+) already queued/.exec(
        logOf(rerun),
      );
    expect(counts?.slice(1).map(Number), logOf(rerun)).toEqual([TASKS, finishedBefore, 0, TASKS - finishedBefore]);
    await stopAll();
    // The rerun computed only what was missing: nothing finished before, and everything else.
    const after = new Set(second.flatMap(finishedTasks));
    expect([...after].filter((task) => before.has(task))).toEqual([]);
    expect(after.size).toBe(TASKS - finishedBefore);
  }, 120_000);
});

describe("other commands and refusals", () => {
  it("run --replications and compare --replications write the same files distributed as locally", async () => {
    startWorker(lab, "others-worker");
    const commands = [
      ["run", "sweep.yaml", "--replications", "4"],
      ["compare", "sweep.yaml", "--profiles", "fifo,rabbitmq", "--replications", "3"],
    ];
    for (const [i, args] of commands.entries()) {
      const here = queuesim(lab, `others-local-${i}`, [...args, "--out", `others-local-${i}`, "--workers", "1"]);
      const there = queuesim(lab, `others-distributed-${i}`, [
        ...args,
        "--out",
        `others-${i}`,
        "--distributed",
        lab.url,
      ]);
      expect(await here.exited).toEqual({ code: 0, signal: null });
      expect(await there.exited).toEqual({ code: 0, signal: null });
      const expected = filesUnder(join(lab.dir, `others-local-${i}`));
      const found = filesUnder(join(lab.dir, `others-${i}`));
      expect([...found.keys()]).toEqual([...expected.keys()]);
      for (const [path, bytes] of expected) expect(found.get(path)?.equals(bytes), path).toBe(true);
    }
    await stopAll();
  }, 120_000);

  it("reports each task a worker of another version refuses, and fails with the refusals", async () => {
    startWorker(lab, "version-worker");
    const grid = expandGrid(parse(scenario) as Record<string, unknown>, [
      { path: "consumers.billing.instances", values: [2, 3] },
    ]);
    if (!grid.ok) throw new Error("the grid is invalid");
    const runner = distributedRunner({
      target: { url: lab.url, shown: lab.url },
      version: "0.0.0-other",
      log: () => {},
    });
    const failure = await runPoints(grid.points, 2, { runner }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DistributedTaskFailure);
    const { failures, refusals } = failure as DistributedTaskFailure;
    expect(refusals).toBe(true);
    expect(failures.map((f) => f.label)).toEqual([
      "point 0, replication 0",
      "point 0, replication 1",
      "point 1, replication 0",
      "point 1, replication 1",
    ]);
    for (const { reason } of failures) {
      expect(reason).toMatch(/^refused: the task was made by queuesim 0\.0\.0-other and this worker is queuesim /);
    }
    await stopAll();
  }, 60_000);
});

async function waitUntilFinished(workers: ReturnType<typeof startWorker>[], count: number): Promise<void> {
  await waitForLog(workers[0]!, () => new Set(workers.flatMap(finishedTasks)).size >= count);
}
