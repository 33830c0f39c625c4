/**
 * A BullMQ Worker (the real `bullmq` package) in its own process, so that an experiment can SIGKILL
 * it mid-job. It starts paused (autorun: false) and runs when the parent sends {type: "run"}, which
 * also starts its stalled-job checker and lock renewal. Its processor reports {type: "received", id,
 * attemptsMade}, waits processingMs, reports {type: "processed", id} (the side effect), then either
 * throws (fail: true) or waits holdMs more before returning, so that a kill on "processed" lands
 * before moveToCompleted. Reports {type: "running"} once run() has started, and {type: "completed",
 * id} / {type: "failed", id, reason} as the Worker's events say.
 */
import { type Job, Worker } from "bullmq";
import { fail, handleStop, report, sleep, workerOptions } from "./protocol.js";

interface Options {
  port: number;
  queue: string;
  concurrency: number;
  processingMs: number;
  holdMs: number;
  fail: boolean;
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
  limiter?: { max: number; duration: number };
}

const options = workerOptions<Options>();

async function processor(job: Job): Promise<void> {
  const id = String(job.data.id);
  report({ type: "received", id, attemptsMade: job.attemptsMade, at: Date.now() });
  await sleep(options.processingMs);
  report({ type: "processed", id, at: Date.now() });
  if (options.fail) throw new Error("processing failed");
  await sleep(options.holdMs);
}

const worker = new Worker(options.queue, processor, {
  connection: { host: "127.0.0.1", port: options.port, maxRetriesPerRequest: null },
  autorun: false,
  concurrency: options.concurrency,
  lockDuration: options.lockDuration,
  stalledInterval: options.stalledInterval,
  maxStalledCount: options.maxStalledCount,
  ...(options.limiter ? { limiter: options.limiter } : {}),
});
worker.on("completed", (job) => report({ type: "completed", id: String(job.data.id), at: Date.now() }));
worker.on("failed", (job, error) =>
  report({ type: "failed", id: String(job?.data.id), reason: error.message, at: Date.now() }),
);
worker.on("error", (error) => console.error(`worker error: ${error.message}`));
handleStop(() => worker.close());
process.on("message", (message: { type: string }) => {
  if (message.type !== "run") return;
  worker.run().catch(fail);
  report({ type: "running", at: Date.now() });
});

worker.waitUntilReady().then(() => report({ type: "ready" }), fail);
