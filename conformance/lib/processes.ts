/**
 * The processes the suite starts: servers and workers. Each runs in its own process group
 * (detached), writes stdout and stderr to a log file, and is remembered by PID until it exits,
 * so that an error, a timeout, Ctrl-C or SIGTERM can still kill every one of them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import { connect } from "node:net";
import { defer } from "./scope.js";
import { sleep } from "./wait.js";

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  /** For messages: "redis-server 127.0.0.1:40123". */
  name: string;
  pid: number;
  logFile: string;
  /** Where this process's output starts in logFile (a restarted server appends to the same log). */
  logOffset: number;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<ExitStatus>;
  /** Set once it has exited. */
  exitStatus: ExitStatus | undefined;
  child: ChildProcess;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args?: readonly string[];
  /** Added to the parent's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Where stdout and stderr go (appended). */
  logFile: string;
}

const live = new Map<number, ManagedProcess>();

/** Starts a process in its own process group, logging to `logFile`, and remembers it until it exits. */
export function spawnProcess(options: SpawnOptions): ManagedProcess {
  const logOffset = logSize(options.logFile);
  const log = openSync(options.logFile, "a");
  const child = spawn(options.command, options.args ?? [], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  return manage(options.name, options.logFile, child, logOffset);
}

/** The current size of a log file, 0 if there is none yet. */
export function logSize(logFile: string): number {
  return existsSync(logFile) ? statSync(logFile).size : 0;
}

/** Remembers a child process started elsewhere (a worker), so that it is killed on the way out. */
export function manage(name: string, logFile: string, child: ChildProcess, logOffset = 0): ManagedProcess {
  if (child.pid === undefined) throw new Error(`${name}: could not start (no PID)`);
  const managed: ManagedProcess = {
    name,
    pid: child.pid,
    logFile,
    logOffset,
    exitStatus: undefined,
    child,
    exited: new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        managed.exitStatus = { code, signal };
        live.delete(managed.pid);
        resolve(managed.exitStatus);
      });
    }),
  };
  live.set(managed.pid, managed);
  defer(async () => {
    await stopProcess(managed, { graceMs: 2000 });
  });
  return managed;
}

/**
 * Stops a process: `signal` (SIGTERM) to its process group, then SIGKILL to the group and
 * every descendant after `graceMs`. Resolves once it has exited.
 */
export async function stopProcess(
  managed: ManagedProcess,
  options: { graceMs?: number; signal?: NodeJS.Signals } = {},
): Promise<ExitStatus> {
  // Once reaped, its PID may belong to someone else: never signal it again.
  if (managed.exitStatus) return managed.exitStatus;
  killGroup(managed.pid, options.signal ?? "SIGTERM");
  const timer = setTimeout(() => killTree(managed.pid, "SIGKILL"), options.graceMs ?? 5000);
  try {
    return await managed.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Sends a signal to one process only (a worker's SIGSTOP, a server's SIGKILL of its VM). */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/**
 * SIGKILLs every process still running, with its group and descendants, synchronously: this
 * is what runs on exit and on SIGINT/SIGTERM, where nothing can be awaited.
 */
export function killEverything(): number {
  const pids = [...live.keys()];
  for (const pid of pids) killTree(pid, "SIGKILL");
  return pids.length;
}

/** The processes started and not yet exited, for diagnostics. */
export function liveProcesses(): { pid: number; name: string }[] {
  return [...live.values()].map(({ pid, name }) => ({ pid, name }));
}

process.once("exit", () => killEverything());

/**
 * Signals a process, its process group and every descendant. Descendants are collected first,
 * while their parents are alive: some leave the group (Erlang's erl_child_setup calls setsid).
 */
export function killTree(pid: number, signal: NodeJS.Signals): void {
  const tree = [pid, ...descendants(pid)];
  killGroup(pid, signal);
  for (const member of tree) signalProcess(member, signal);
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  signalProcess(-pgid, signal);
}

/** Every descendant of `pid`, from /proc (Linux). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOf(Number(entry));
    if (parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      found.push(child);
      stack.push(child);
    }
  }
  return found;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[1]);
  } catch {
    return undefined; // exited meanwhile
  }
}

/** The last `lines` lines of a log file from byte `offset` on ("" if it cannot be read). */
export function logTail(logFile: string, lines = 20, offset = 0): string {
  try {
    return readFileSync(logFile).subarray(offset).toString("utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** An error about a process, ending with the tail of its log. */
export function processError(
  managed: Pick<ManagedProcess, "name" | "logFile"> & { logOffset?: number },
  problem: string,
): Error {
  const tail = logTail(managed.logFile, 20, managed.logOffset ?? 0);
  return new Error(`${managed.name}: ${problem}\n  log ${managed.logFile}:\n${indent(tail || "(empty)")}`);
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

/** Waits until something accepts TCP connections on 127.0.0.1:`port`; fails early if `managed` exits. */
export async function waitForPort(managed: ManagedProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await accepts(port))) {
    if (managed.exitStatus)
      throw processError(managed, `exited (${describeExit(managed.exitStatus)}) before port ${port} opened`);
    if (Date.now() > deadline) throw processError(managed, `port ${port} did not open within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Waits until the process's log has a line matching `pattern`; fails early if it exits. */
export async function waitForLogLine(managed: ManagedProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = logTail(managed.logFile, Number.POSITIVE_INFINITY, managed.logOffset)
      .split("\n")
      .find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (managed.exitStatus)
      throw processError(managed, `exited (${describeExit(managed.exitStatus)}) before logging ${pattern}`);
    if (Date.now() > deadline) throw processError(managed, `did not log ${pattern} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export function describeExit(status: ExitStatus): string {
  return status.signal ? `signal ${status.signal}` : `code ${status.code}`;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
