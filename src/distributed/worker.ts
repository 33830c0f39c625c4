/**
 * A BullMQ worker for simulation tasks. Each job's data is checked (the version that made it, its layout)
 * and its scenario validated like any file before it runs; the run happens on one of this process's worker
 * threads, the same threads and code as the local pool, so the main thread stays free to renew job locks.
 */
import { UnrecoverableError, Worker } from "bullmq";
import { BudgetExceeded } from "../engine/simulation.js";
import { ThreadPool } from "../parallel/pool.js";
import { judgementOf, metricsOf } from "../parallel/tasks.js";
import { formatIssue } from "../scenario/issues.js";
import { validateScenario } from "../scenario/load.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { lastingConnection } from "./connection.js";
import { encodeJudgement, encodeMetrics, QUEUE_NAME, type TaskJobData } from "./job.js";
import type { RedisTarget } from "./redis-url.js";

export interface TaskWorkerOptions {
  target: RedisTarget;
  /** Tasks run at once, each on its own thread. */
  concurrency: number;
  /**
   * How long a job stays locked without renewal before another worker may take it back (BullMQ's
   * lockDuration); the stalled-job check runs at half that. Short only in tests.
   */
  lockDurationMs: number;
  version: string;
  log: (line: string) => void;
}

export interface TaskWorker {
  /** Stops taking jobs, lets the running ones finish, closes the threads and connection. */
  close(): Promise<void>;
}

export function startTaskWorker(options: TaskWorkerOptions): TaskWorker {
  const pool = new ThreadPool(options.concurrency);
  const connection = lastingConnection(options.target, options.log);
  const worker = new Worker<TaskJobData, string>(
    QUEUE_NAME,
    async (job) => {
      const scenario = checkedScenario(job.data, options.version);
      options.log(`${taskName(job.data)}: started`);
      // Wall time for the worker's log line only; nothing in the task's result depends on it.
      const startedAt = performance.now();
      const result = await resultOf(job.data, () => pool.run(scenario));
      options.log(`${taskName(job.data)}: done in ${((performance.now() - startedAt) / 1000).toFixed(2)} s`);
      return result;
    },
    {
      connection,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: Math.max(500, Math.round(options.lockDurationMs / 2)),
      // A task whose worker died twice is more likely to kill workers than to have been unlucky.
      maxStalledCount: 2,
    },
  );
  worker.on("failed", (job, error) => {
    if (job) options.log(`${taskName(job.data)}: failed: ${error.message}`);
  });
  worker.on("error", () => {
    // Connection errors: the connection reports losing and regaining Redis itself.
  });
  return {
    async close() {
      await worker.close();
      await pool.close();
      connection.disconnect();
    },
  };
}

/**
 * The encoded result the job asks for. A judgement of a run over its budget says so, as explore's local
 * search does; a metrics task over its budget fails, as a local replication does.
 */
async function resultOf(data: TaskJobData, run: () => ReturnType<ThreadPool["run"]>): Promise<string> {
  if (data.kind !== "judgement") return encodeMetrics(metricsOf(await run()));
  try {
    return encodeJudgement(judgementOf(await run()));
  } catch (error) {
    if (error instanceof BudgetExceeded) return encodeJudgement({ overBudget: true });
    throw error;
  }
}

/**
 * The scenario a job asks for, or an UnrecoverableError (no retry: another attempt would fail the same
 * way) saying why the task is refused.
 */
export function checkedScenario(data: TaskJobData, version: string): ParsedScenario {
  if (data === null || typeof data !== "object" || data.format !== 1) {
    throw new UnrecoverableError("refused: the job is not a queuesim task (format 1)");
  }
  if (data.version !== version) {
    throw new UnrecoverableError(
      `refused: the task was made by queuesim ${String(data.version)} and this worker is queuesim ${version}; run workers of the coordinator's version`,
    );
  }
  if (data.kind !== undefined && data.kind !== "metrics" && data.kind !== "judgement") {
    throw new UnrecoverableError(
      `refused: the task asks for a result of kind ${String(data.kind)}, not metrics or judgement`,
    );
  }
  if (!Number.isInteger(data.seed) || data.seed < 0 || data.seed >= 2 ** 32) {
    throw new UnrecoverableError(
      `refused: the task's seed must be an integer from 0 to 4294967295, got ${String(data.seed)}`,
    );
  }
  if (data.scenario === null || typeof data.scenario !== "object" || Array.isArray(data.scenario)) {
    throw new UnrecoverableError("refused: the task's scenario is not an object");
  }
  const result = validateScenario(data.scenario);
  if (!result.ok) {
    const issues = result.issues.map((issue) => formatIssue(issue, "task")).join("; ");
    throw new UnrecoverableError(`refused: the task's scenario is invalid: ${issues}`);
  }
  return { ...result.scenario, seed: data.seed };
}

/** "capacity-sweep point 3, replication 1", from data that may be malformed. */
function taskName(data: TaskJobData): string {
  const name = data?.scenario?.name;
  return `${typeof name === "string" ? `${name} ` : ""}${String(data?.label)}`;
}
