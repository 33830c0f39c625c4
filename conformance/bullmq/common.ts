/** What the BullMQ experiments share: a Queue in the parent, workers in their own processes, and the timing rule. */
import { Queue } from "bullmq";
import { type Run, simulate } from "../../src/index.js";
import { NullObserver } from "../../src/model/observer.js";
import type { RealContext, Rule } from "../lib/experiment.js";
import { defer } from "../lib/scope.js";
import { sleep } from "../lib/wait.js";
import { startWorker, type Worker } from "../lib/worker.js";
import type { BullmqFixture } from "./suite.js";

/** Short enough that an experiment runs in seconds; the model scales with them. */
export const LOCK_MS = 1000;
export const STALLED_INTERVAL_MS = 1000;

/** A BullMQ Queue on the suite's Redis, closed when the experiment ends. */
export function openQueue(fixture: BullmqFixture, name: string): Queue {
  const queue = new Queue(name, { connection: { host: "127.0.0.1", port: fixture.server.port } });
  defer(() => queue.close());
  return queue;
}

export interface WorkerSettings {
  concurrency?: number;
  processingMs?: number;
  holdMs?: number;
  fail?: boolean;
  maxStalledCount?: number;
  limiter?: { max: number; duration: number };
}

/** A conformance/workers/bullmq-worker.ts process, loaded but not running until `run`. */
export function startBullmqWorker(
  context: RealContext,
  fixture: BullmqFixture,
  queue: string,
  settings: WorkerSettings = {},
): Promise<Worker> {
  return startWorker(context, "bullmq-worker", {
    port: fixture.server.port,
    queue,
    concurrency: settings.concurrency ?? 1,
    processingMs: settings.processingMs ?? 0,
    holdMs: settings.holdMs ?? 0,
    fail: settings.fail ?? false,
    lockDuration: LOCK_MS,
    stalledInterval: STALLED_INTERVAL_MS,
    maxStalledCount: settings.maxStalledCount ?? 1,
    ...(settings.limiter ? { limiter: settings.limiter } : {}),
  });
}

/** Starts the worker's run() (its fetching, lock renewal and stalled checker); resolves with when it started (epoch ms). */
export async function run(worker: Worker): Promise<number> {
  worker.send({ type: "run" });
  return (await worker.waitFor("running")).at as number;
}

/** Sleeps until epoch-ms `time`. */
export async function sleepUntil(time: number): Promise<void> {
  const wait = time - Date.now();
  if (wait > 0) await sleep(wait);
}

/** The epoch-ms time a worker stamped on its n-th message of `type`. */
export async function stampOf(worker: Worker, type: string, count = 1, timeoutMs = 15_000): Promise<number> {
  return (await worker.waitFor(type, { count, timeoutMs })).at as number;
}

/**
 * The band for a time measured against a worker's start: the real workers' timers, IPC and a shared
 * 2-core machine add tens of milliseconds (setTimeout fires late, a Lua script takes a few ms).
 */
export const timing: Rule = {
  kind: "band",
  absolute: 150,
  why: "Node timers fire late and IPC adds milliseconds on a shared 2-core machine; BullMQ's own timers drift the same way",
};

/** When (ms) the simulated run delivered and dead-lettered, from its scenario simulated again with an observer. */
export function simulatedTimes(run: Run): { deliveriesMs: number[]; deadLettersMs: number[] } {
  const times = { deliveriesMs: [] as number[], deadLettersMs: [] as number[] };
  class Times extends NullObserver {
    override delivered(_m: number, _g: number, _c: number, _a: number, _w: number, now: number): void {
      times.deliveriesMs.push(now / 1000);
    }
    override deadLettered(_m: number, _g: number, _r: string, now: number): void {
      times.deadLettersMs.push(now / 1000);
    }
  }
  simulate(run.result.scenario, { observers: [new Times()] });
  return times;
}

/** The scenario's bullmq broker section with the experiments' short lock and check interval. */
export function bullmqBroker(settings: Record<string, unknown> = {}) {
  return {
    profile: "bullmq",
    serviceTime: 0,
    settings: { lockDuration: `${LOCK_MS}ms`, stalledInterval: `${STALLED_INTERVAL_MS}ms`, ...settings },
  };
}
