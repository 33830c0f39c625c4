import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { BudgetExceeded } from "../engine/simulation.js";
import { runScenarioInterruptibly } from "../pipeline/run-scenario.js";
import type { Run } from "../report/run.js";
import { expectedMessages } from "../run/build.js";
import type { SimulateOptions } from "../run/simulate.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { runInterrupt } from "./interrupt.js";
import type { TaskRunner } from "./tasks.js";

/** Options that can cross a thread boundary: no callbacks, no observers. */
export type PortableOptions = Pick<SimulateOptions, "series">;

export interface PoolRequest {
  id: number;
  scenario: ParsedScenario;
  options: PortableOptions;
}

export type PoolResponse =
  | { id: number; ok: true; run: Run }
  /** `budget`: the run outgrew a budget (events, memory), which the user hears about as bad input. */
  | { id: number; ok: false; error: string; budget: boolean };

export interface ParallelOptions {
  /** Worker threads to use; 1 runs everything here, in order. Default: the machine's cores. */
  workers?: number;
  /** Called after each finished job with (done, total). */
  onDone?: (done: number, total: number) => void;
  /** Stops the runs (and the worker threads) when it aborts; default: the process's interrupt, if set. */
  signal?: AbortSignal;
  /** Runs tasks somewhere else (BullMQ workers) instead of on this machine's threads. */
  runner?: TaskRunner;
}

/**
 * Runs independent simulations on a pool of worker threads and returns the
 * results in job order. Each run is deterministic on its own, so the results
 * are the same whatever the number of workers or the order they finish in.
 */
export async function runAll(
  scenarios: readonly ParsedScenario[],
  options: PortableOptions,
  parallel: ParallelOptions = {},
): Promise<Run[]> {
  const workers = Math.max(1, Math.min(parallel.workers ?? availableParallelism(), scenarios.length));
  const signal = parallel.signal ?? runInterrupt();
  if (workers === 1) {
    const runs: Run[] = [];
    for (const scenario of scenarios) {
      runs.push(await runScenarioInterruptibly(scenario, options, signal));
      parallel.onDone?.(runs.length, scenarios.length);
    }
    return runs;
  }
  const results = new Array<Run>(scenarios.length);
  let next = 0;
  let done = 0;
  const threads = Array.from({ length: workers }, () => spawnWorker());
  try {
    const work = Promise.all(
      threads.map(async (thread) => {
        while (next < scenarios.length) {
          const id = next++;
          results[id] = await ask(thread, { id, scenario: scenarios[id]!, options });
          parallel.onDone?.(++done, scenarios.length);
        }
      }),
    );
    await untilAborted(work, signal);
  } finally {
    // Interrupted or failed, the threads stop here: terminate() ends a run in the middle of an event.
    await Promise.all(threads.map((thread) => thread.terminate()));
  }
  return results;
}

/** `work`, or a rejection with the signal's reason as soon as it aborts; the listener goes when work ends. */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * Worker threads pay off only when there is enough work to cover their start-up
 * (loading the code takes about half a second each): use them for at least two
 * jobs on a multi-core machine whose jobs together create a few hundred
 * thousand messages or more.
 */
export function defaultWorkers(scenarios: readonly ParsedScenario[]): number {
  const messages = scenarios.reduce((sum, scenario) => sum + expectedMessages(scenario), 0);
  return scenarios.length >= 2 && messages >= 300_000 ? availableParallelism() : 1;
}

/**
 * Built, this module is part of a chunk in dist/ and its worker is dist/worker.js, plain JavaScript next to
 * it (scripts/build.mjs writes every file flat into dist/). Run from the sources (vitest, the benchmark) it
 * is a .ts file, and the worker starts from a small entry that registers tsx first: loader hooks of the
 * parent thread do not carry over to worker threads.
 */
const workerUrl = import.meta.url.endsWith(".ts")
  ? new URL("./worker-entry.mjs", import.meta.url)
  : new URL("./worker.js", import.meta.url);

function spawnWorker(): Worker {
  return new Worker(workerUrl);
}

function ask(worker: Worker, request: PoolRequest): Promise<Run> {
  return new Promise((resolve, reject) => {
    const onMessage = (response: PoolResponse) => {
      if (response.id !== request.id) return;
      worker.off("message", onMessage);
      worker.off("error", onError);
      if (response.ok) resolve(response.run);
      else if (response.budget) reject(new BudgetExceeded(response.error));
      else reject(new Error(`a simulation failed in a worker thread:\n${response.error}`));
    };
    const onError = (error: Error & { code?: string }) => {
      // V8 stopped the thread at its heap limit: the run was too large, which the user can change.
      if (error.code === "ERR_WORKER_OUT_OF_MEMORY") {
        reject(
          new BudgetExceeded(
            `a worker thread ran out of memory; lower limits.maxMemory so the run stops sooner with a clear message, or make the scenario smaller`,
          ),
        );
      } else reject(error);
    };
    worker.on("message", onMessage);
    worker.once("error", onError);
    worker.postMessage(request);
  });
}

/**
 * Threads kept for many requests arriving one by one (a BullMQ worker's jobs): each request waits for an
 * idle thread. Running simulations off the main thread keeps its event loop free for the work around them
 * (a BullMQ worker renews its job locks from there).
 */
export class ThreadPool {
  private readonly idle: Worker[];
  private readonly all: Worker[];
  private readonly waiting: ((worker: Worker) => void)[] = [];
  private nextId = 0;

  constructor(size: number) {
    this.all = Array.from({ length: Math.max(1, size) }, () => spawnWorker());
    this.idle = [...this.all];
  }

  async run(scenario: ParsedScenario, options: PortableOptions = {}): Promise<Run> {
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve) => this.waiting.push(resolve)));
    try {
      return await ask(worker, { id: this.nextId++, scenario, options });
    } finally {
      const next = this.waiting.shift();
      if (next) next(worker);
      else this.idle.push(worker);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((worker) => worker.terminate()));
  }
}
