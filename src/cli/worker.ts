// `queuesim worker --redis <url>`: takes simulation tasks from Redis until stopped (SIGINT or SIGTERM).
import { availableParallelism } from "node:os";
import { queuesimVersion } from "../distributed/version.js";
import { startTaskWorker } from "../distributed/worker.js";
import { reachRedis } from "./distributed.js";
import { ExitCode } from "./exit-codes.js";
import { UsageError } from "./usage.js";

export interface WorkerOptions {
  redis: string;
  concurrency: number | undefined;
  lockDurationMs: number;
}

export async function commandWorker(options: WorkerOptions): Promise<number> {
  const concurrency = options.concurrency ?? availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new UsageError(`--concurrency must be an integer from 1 to 256, got ${options.concurrency}`);
  }
  if (!Number.isInteger(options.lockDurationMs) || options.lockDurationMs < 1000) {
    throw new UsageError(`--lock-duration must be an integer of at least 1000 (ms), got ${options.lockDurationMs}`);
  }
  const target = await reachRedis(options.redis, "--redis");
  const version = queuesimVersion();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const worker = startTaskWorker({ target, concurrency, lockDurationMs: options.lockDurationMs, version, log });
  log(`queuesim ${version} worker: taking tasks from ${target.shown}, ${concurrency} at a time`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: finishing the running tasks, then stopping`);
      worker.close().then(resolve, resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  return ExitCode.ok;
}
