// Real processes for the distributed tests: a private redis-server, `queuesim worker`s and coordinators run from the sources.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ManagedProcess, spawnProcess, stopProcess } from "../../conformance/lib/processes.js";
import { type RedisConfig, type RedisServer, startRedis } from "../../conformance/lib/servers/redis.js";
import { waitUntil } from "../../conformance/lib/wait.js";

const bin = join(import.meta.dirname, "..", "..", "src", "cli", "bin.ts");
const tsx = import.meta.resolve("tsx");

export interface Lab {
  dir: string;
  redis: RedisServer;
  url: string;
  /** Every process started, to stop by PID at the end. */
  processes: ManagedProcess[];
}

/** A working directory with the scenario file and a redis-server on a private port, persistence off. */
export async function startLab(files: Record<string, string>, config: RedisConfig = {}): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), "queuesim-distributed-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const redis = await startRedis(join(dir, "redis"), { save: "", appendonly: "no", ...config });
  return { dir, redis, url: `redis://127.0.0.1:${redis.port}`, processes: [] };
}

export async function stopLab(lab: Lab): Promise<void> {
  await Promise.all(lab.processes.map((p) => stopProcess(p, { graceMs: 3000 })));
  await lab.redis.stop();
  rmSync(lab.dir, { recursive: true, force: true });
}

/** `queuesim <args>` from the sources, its stdout and stderr in <dir>/logs/<name>.log. */
export function queuesim(lab: Lab, name: string, args: string[]): ManagedProcess {
  mkdirSync(join(lab.dir, "logs"), { recursive: true });
  const process = spawnProcess({
    name,
    command: globalThis.process.execPath,
    args: ["--import", tsx, bin, ...args],
    cwd: lab.dir,
    env: { NO_COLOR: "1" },
    logFile: join(lab.dir, "logs", `${name}.log`),
  });
  lab.processes.push(process);
  return process;
}

/**
 * A worker taking one task at a time whose lock lasts 4 s, so a killed worker's task returns within
 * seconds (30 s by default); not shorter, or a worker slowed by a busy machine can miss a renewal.
 */
export function startWorker(lab: Lab, name: string, url = lab.url): ManagedProcess {
  return queuesim(lab, name, ["worker", "--redis", url, "--concurrency", "1", "--lock-duration", "4000"]);
}

export function logOf(process: ManagedProcess): string {
  return readFileSync(process.logFile, "utf8");
}

/** The tasks a worker's log says it finished ("distributed-sweep point 3, replication 1"). */
export function finishedTasks(process: ManagedProcess): string[] {
  return logOf(process)
    .split("\n")
    .filter((line) => / s$/.test(line) && line.includes(": done in "))
    .map((line) => line.replace(/: done in .*/, ""));
}

export async function waitForLog(process: ManagedProcess, test: (log: string) => boolean, timeoutMs = 60_000) {
  await waitUntil(`${process.name}'s log`, () => test(logOf(process)), { timeoutMs });
}

/** Workers started and ready (connected, taking tasks) before anything is enqueued. */
export async function startReadyWorkers(lab: Lab, names: string[], url = lab.url): Promise<ManagedProcess[]> {
  const workers = names.map((name) => startWorker(lab, name, url));
  await Promise.all(workers.map((worker) => waitForLog(worker, (log) => log.includes("taking tasks from"))));
  return workers;
}
