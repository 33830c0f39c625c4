/**
 * Consumers and producers as separate Node processes, so an experiment can kill one the way a
 * host dies (SIGKILL: no goodbye on the socket), or freeze it with its socket open (SIGSTOP)
 * and later kill or resume it. A worker is a TypeScript script in conformance/workers/, run
 * through tsx, that reports what it does over IPC ({type: "received", id, redelivered}, ...).
 */
import { fork } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { RealContext } from "./experiment.js";
import { uniqueName } from "./names.js";
import { type ExitStatus, type ManagedProcess, manage, processError, signalProcess, stopProcess } from "./processes.js";
import { waitUntil } from "./wait.js";

/** A message from a worker: its `type` and whatever fields the worker adds. */
export interface WorkerMessage {
  type: string;
  [field: string]: unknown;
}

export type WorkerListener = (message: WorkerMessage, nth: number) => void;

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const workersDir = join(root, "conformance/workers");

export class Worker {
  /** Every message received so far, in order. */
  readonly messages: WorkerMessage[] = [];
  private readonly listeners: { type: string; listener: WorkerListener }[] = [];

  constructor(readonly process: ManagedProcess) {
    process.child.on("message", (raw) => this.receive(raw as WorkerMessage));
  }

  get pid(): number {
    return this.process.pid;
  }

  get name(): string {
    return this.process.name;
  }

  /** How many messages of this type it has sent. */
  count(type: string): number {
    return this.messages.filter((m) => m.type === type).length;
  }

  /** The messages of this type, in order. */
  all(type: string): WorkerMessage[] {
    return this.messages.filter((m) => m.type === type);
  }

  /** Calls `listener` for each later message of this type, with its 1-based rank among them. */
  on(type: string, listener: WorkerListener): void {
    this.listeners.push({ type, listener });
  }

  /** Waits until it has sent `count` messages of this type (default 1); fails if it exits first. */
  async waitFor(type: string, options: { count?: number; timeoutMs?: number } = {}): Promise<WorkerMessage> {
    const count = options.count ?? 1;
    return waitUntil(
      `${count} "${type}" message(s) from ${this.name}`,
      () => {
        const found = this.all(type)[count - 1];
        if (found) return found;
        if (this.process.exitStatus) throw processError(this.process, `exited before sending ${count} "${type}"`);
        return undefined;
      },
      { timeoutMs: options.timeoutMs ?? 10_000, intervalMs: 5 },
    );
  }

  /**
   * SIGKILLs it the moment its `nth` message of `type` arrives, from inside the IPC handler so
   * that it gets as little as possible done after sending it. Resolves once it has exited.
   */
  killAfter(type: string, nth: number): Promise<ExitStatus> {
    if (this.count(type) >= nth) return this.kill(); // already past it: kill now rather than never
    this.on(type, (_, rank) => {
      if (rank === nth) this.signal("SIGKILL");
    });
    return this.process.exited;
  }

  /** Sends it a message (what a worker accepts is up to the worker). */
  send(message: WorkerMessage): void {
    this.process.child.send(message);
  }

  /** SIGKILL, as a crash of its host; resolves once it has exited. */
  kill(): Promise<ExitStatus> {
    this.signal("SIGKILL");
    return this.process.exited;
  }

  /** SIGSTOP: frozen, its sockets left open, as a hung process or a host that stopped answering. */
  pause(): void {
    this.signal("SIGSTOP");
  }

  /** SIGCONT after pause(). */
  resume(): void {
    this.signal("SIGCONT");
  }

  /** Signals it while it runs; once it has exited its PID may be someone else's. */
  private signal(signal: NodeJS.Signals): void {
    if (!this.process.exitStatus) signalProcess(this.pid, signal);
  }

  /** Asks it to finish cleanly ({type: "stop"}); SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 5000): Promise<ExitStatus> {
    if (!this.process.exitStatus && this.process.child.connected) this.send({ type: "stop" });
    // SIGCONT first: a paused worker must run to act on "stop"; to a running one it is harmless.
    return stopProcess(this.process, { graceMs, signal: "SIGCONT" });
  }

  private receive(message: WorkerMessage): void {
    this.messages.push(message);
    const rank = this.count(message.type);
    for (const { type, listener } of this.listeners) if (type === message.type) listener(message, rank);
  }
}

export interface StartWorkerOptions {
  /** A name for logs; default the script's name and a number. */
  name?: string;
  /** How long to wait for its {type: "ready"} (default 15 s: tsx and a client library load first). */
  readyTimeoutMs?: number;
}

/**
 * Starts conformance/workers/<script>.ts with `options` (JSON, as its first argument), logs its
 * output to <context.dir>/<name>.log, and resolves once it has sent {type: "ready"}.
 */
export async function startWorker(
  context: RealContext,
  script: string,
  options: object,
  start: StartWorkerOptions = {},
): Promise<Worker> {
  const name = start.name ?? uniqueName(script);
  const logFile = join(context.dir, `${name}.log`);
  const log = openSync(logFile, "a");
  const child = fork(join(workersDir, `${script}.ts`), [JSON.stringify(options)], {
    cwd: root, // where `--import tsx` is resolved from
    execArgv: ["--import", "tsx"],
    detached: true,
    stdio: ["ignore", log, log, "ipc"],
  });
  closeSync(log);
  const worker = new Worker(manage(name, logFile, child));
  context.log(`started worker ${name} (PID ${worker.pid})`);
  await worker.waitFor("ready", { timeoutMs: start.readyTimeoutMs ?? 15_000 });
  return worker;
}
