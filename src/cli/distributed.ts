// --distributed <redis-url>: the command's tasks go to BullMQ workers instead of this machine's threads.
// BullMQ and ioredis (about 2.4 MB bundled, some 40 ms of a `run` to compile and evaluate) load only when a
// command is given --distributed: connection.js and coordinator.js are imported inside the functions below.
import type { TaskCounts } from "../distributed/coordinator.js";
import { parseRedisUrl, type RedisTarget } from "../distributed/redis-url.js";
import { queuesimVersion } from "../distributed/version.js";
import type { TaskRunner } from "../parallel/tasks.js";
import { countBar } from "./progress.js";
import { UsageError } from "./usage.js";

/** Parses and reaches the URL given with `option` (a usage error in under 5 s if either fails). */
export async function reachRedis(text: string, option: string): Promise<RedisTarget> {
  const target = parseRedisUrl(text);
  if (typeof target === "string") throw new UsageError(`${option}: ${target}`);
  const { unreachableReason } = await import("../distributed/connection.js");
  const reason = await unreachableReason(target);
  if (reason !== undefined) throw new UsageError(`${option}: cannot reach Redis at ${target.shown}: ${reason}`);
  return target;
}

/** The runner for `--distributed url`, or undefined (the local pool) without it. */
export async function runnerFor(url: string | undefined, label: string): Promise<TaskRunner | undefined> {
  if (url === undefined) return undefined;
  const target = await reachRedis(url, "--distributed");
  const { DistributedTaskFailure, distributedRunner } = await import("../distributed/coordinator.js");
  const runner = distributedRunner({
    target,
    version: queuesimVersion(),
    log: (line) => process.stderr.write(`${line}\n`),
    onCounts: (counts) => process.stderr.write(`${countsLine(label, target, counts)}\n`),
  });
  /** A failure after BullMQ's attempts, as the user hears it: refusals are bad input (exit 2). */
  const reported = async <T>(tasks: readonly unknown[], work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof DistributedTaskFailure)) throw error;
      const what = `${error.failures.length} of ${tasks.length} tasks failed on the workers:\n${error.message}`;
      if (error.refusals) throw new UsageError(`${label}: ${what}`);
      throw new Error(`${label}: ${what}`);
    }
  };
  return {
    run: (tasks, onDone) => reported(tasks, () => runner.run(tasks, onDone)),
    judge: (tasks, onDone) => reported(tasks, () => runner.judge!(tasks, onDone)),
  };
}

/** "sweep: 96 tasks on redis://host:6379/: 40 reused from an earlier run, 56 enqueued". */
export function countsLine(label: string, target: RedisTarget, counts: TaskCounts): string {
  const parts = [
    `${counts.reused} reused from an earlier run`,
    `${counts.enqueued} enqueued`,
    ...(counts.joined > 0 ? [`${counts.joined} already queued`] : []),
    ...(counts.retried > 0 ? [`${counts.retried} failed before and retried`] : []),
  ];
  return `${label}: ${counts.total} tasks on Redis at ${target.shown}: ${parts.join(", ")}`;
}

/**
 * Progress as results arrive: a bar on a terminal, else plain lines (a log, CI), at most one a second
 * and always the last.
 */
export function taskProgress(label: string): { update: (done: number, total: number) => void; done: () => void } {
  if (process.stderr.isTTY) return countBar(label);
  let lastLine = 0;
  return {
    update(done, total) {
      const now = Date.now();
      if (done < total && now - lastLine < 1000) return;
      lastLine = now;
      process.stderr.write(`${label}: ${done}/${total} tasks done\n`);
    },
    done() {},
  };
}
