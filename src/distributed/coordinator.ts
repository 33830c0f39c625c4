/**
 * The coordinator's side: a TaskRunner that enqueues tasks as BullMQ jobs with deterministic ids, reuses
 * results a previous run left in Redis, waits for the rest and returns the metrics in task order, exactly
 * as the local pool would (explore's judgements likewise). Retries, stalled-job recovery and backoff are BullMQ's, configured here.
 */
import { type Job, Queue, QueueEvents } from "bullmq";
import type { SimulationTask, TaskRunner } from "../parallel/tasks.js";
import { validateScenario } from "../scenario/load.js";
import { lastingConnection } from "./connection.js";
import {
  decodeJudgement,
  decodeMetrics,
  QUEUE_NAME,
  type TaskJobData,
  type TaskKind,
  taskJobData,
  taskJobId,
} from "./job.js";
import type { RedisTarget } from "./redis-url.js";

/** How long results stay in Redis for a rerun to reuse (BullMQ removes older finished jobs). */
export const KEEP_RESULTS_SECONDS = 7 * 24 * 3600;

const JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: { age: KEEP_RESULTS_SECONDS },
  removeOnFail: { age: KEEP_RESULTS_SECONDS },
} as const;

/** How the tasks of one run were found in Redis. */
export interface TaskCounts {
  total: number;
  /** Finished by an earlier run of the command and reused. */
  reused: number;
  /** Already waiting or running (another coordinator, or one that died): waited for. */
  joined: number;
  /** Failed in an earlier run: retried. */
  retried: number;
  /** New jobs. */
  enqueued: number;
}

/** Tasks that failed after BullMQ's attempts, each with its reason. */
export class DistributedTaskFailure extends Error {
  constructor(readonly failures: { label: string; reason: string }[]) {
    super(failures.map((f) => `${f.label}: ${f.reason}`).join("\n"));
  }

  /** Every failure is a worker refusing the task (other version, invalid scenario): the user's to fix. */
  get refusals(): boolean {
    return this.failures.every((f) => f.reason.startsWith("refused:"));
  }
}

export interface CoordinatorOptions {
  target: RedisTarget;
  version: string;
  log: (line: string) => void;
  /** Told how the tasks were found before any result arrives. */
  onCounts?: (counts: TaskCounts) => void;
}

export function distributedRunner(options: CoordinatorOptions): TaskRunner {
  return {
    async run(tasks, onDone) {
      return (await runKind(tasks, "metrics", options, onDone)).map(decodeMetrics);
    },
    async judge(tasks, onDone) {
      return (await runKind(tasks, "judgement", options, onDone)).map(decodeJudgement);
    },
  };
}

/** Runs the tasks as jobs asking for `kind` and returns their encoded results in task order. */
async function runKind(
  tasks: readonly SimulationTask[],
  kind: TaskKind,
  options: CoordinatorOptions,
  onDone: ((done: number, total: number) => void) | undefined,
): Promise<string[]> {
  const jobs = tasks.map((task) => taskJobData(task, options.version, kind));
  checkTravelsIntact(tasks);
  const connection = lastingConnection(options.target, options.log);
  const queue = new Queue<TaskJobData, string>(QUEUE_NAME, { connection });
  // QueueEvents blocks on its connection (XREAD), so it gets one of its own.
  const eventsConnection = lastingConnection(options.target, () => {});
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection });
  // One waiter per task listens for the queue closing.
  queue.setMaxListeners(0);
  try {
    await events.waitUntilReady();
    return await runJobs(queue, events, jobs, options, onDone);
  } finally {
    // BullMQ leaves connections it was given open: they are ours to close.
    await events.close();
    await queue.close();
    eventsConnection.disconnect();
    connection.disconnect();
  }
}

async function runJobs(
  queue: Queue<TaskJobData, string>,
  events: QueueEvents,
  jobs: TaskJobData[],
  options: CoordinatorOptions,
  onDone: ((done: number, total: number) => void) | undefined,
): Promise<string[]> {
  const ids = jobs.map(taskJobId);
  const unique = new Map<string, TaskJobData>();
  ids.forEach((id, i) => {
    unique.set(id, jobs[i]!);
  });
  // A worker that died mid-task (lock expired): BullMQ's stalled-job check puts the task back for another.
  events.on("stalled", ({ jobId }) => {
    const data = unique.get(jobId);
    if (data) options.log(`${data.label}: its worker stopped; the task is back in the queue for another`);
  });
  const { found, counts } = await findOrEnqueue(queue, unique);
  options.onCounts?.(counts);
  const results = new Map<string, string>();
  const failures: { label: string; reason: string }[] = [];
  let done = 0;
  await Promise.all(
    [...found].map(async ([id, job]) => {
      try {
        results.set(id, await job.waitUntilFinished(events));
      } catch (error) {
        failures.push({ label: unique.get(id)!.label, reason: error instanceof Error ? error.message : String(error) });
      }
      onDone?.(++done, found.size);
    }),
  );
  if (failures.length > 0) throw new DistributedTaskFailure(failures.sort((a, b) => a.label.localeCompare(b.label)));
  return ids.map((id) => results.get(id)!);
}

/** Looks every task up by id: finished ones are reused, failed ones retried, missing ones added. */
async function findOrEnqueue(
  queue: Queue<TaskJobData, string>,
  unique: Map<string, TaskJobData>,
): Promise<{ found: Map<string, Job<TaskJobData, string>>; counts: TaskCounts }> {
  const counts: TaskCounts = { total: unique.size, reused: 0, joined: 0, retried: 0, enqueued: 0 };
  const found = new Map<string, Job<TaskJobData, string>>();
  const missing: { id: string; data: TaskJobData }[] = [];
  for (const [id, data] of unique) {
    const job = await queue.getJob(id);
    const state = job ? await job.getState() : "unknown";
    if (!job || state === "unknown") {
      missing.push({ id, data });
      continue;
    }
    found.set(id, job);
    if (state === "completed") counts.reused++;
    else if (state === "failed") {
      await job.retry("failed");
      counts.retried++;
    } else counts.joined++;
  }
  const added = await queue.addBulk(
    missing.map(({ id, data }) => ({ name: data.label, data, opts: { ...JOB_OPTIONS, jobId: id } })),
  );
  added.forEach((job, i) => {
    found.set(missing[i]!.id, job);
  });
  counts.enqueued = missing.length;
  return { found, counts };
}

/**
 * A worker validates the scenario as it arrives through JSON; the result must be the scenario this
 * coordinator validated, or the outputs could differ from a local run. Checked once per written scenario.
 */
function checkTravelsIntact(tasks: readonly SimulationTask[]): void {
  const checked = new Set<Record<string, unknown>>();
  for (const task of tasks) {
    if (!task.written || checked.has(task.written)) continue;
    checked.add(task.written);
    const again = validateScenario(JSON.parse(JSON.stringify(task.written)));
    if (!again.ok || JSON.stringify(again.scenario) !== JSON.stringify(task.scenario)) {
      throw new Error(`invariant: the scenario of ${task.label} does not survive the trip through JSON unchanged`);
    }
  }
}
