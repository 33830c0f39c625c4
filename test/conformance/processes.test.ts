// Proves that processes started by the conformance suite are found, waited for and always killed, and that workers talk over IPC.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../conformance/lib/ports.js";
import {
  descendants,
  killEverything,
  liveProcesses,
  spawnProcess,
  stopProcess,
  waitForLogLine,
  waitForPort,
} from "../../conformance/lib/processes.js";
import { inScope, Scope } from "../../conformance/lib/scope.js";
import { sleep } from "../../conformance/lib/wait.js";
import { startWorker } from "../../conformance/lib/worker.js";

const dir = mkdtempSync(join(tmpdir(), "queuesim-processes-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function shell(name: string, script: string) {
  return spawnProcess({ name, command: "sh", args: ["-c", script], logFile: join(dir, `${name}.log`) });
}

/** Running, not a zombie: a killed orphan waits for init to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("ports", () => {
  it("never hands out the same port twice", async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(20);
  });
});

describe("processes", () => {
  it("waits for a log line, and fails with the log's tail when the process exits first", async () => {
    const ready = shell("ready", "echo starting; echo ready; sleep 30");
    expect(await waitForLogLine(ready, /ready/, 5000)).toBe("ready");
    await stopProcess(ready);
    const dies = shell("dies", "echo 'no config file'; exit 3");
    await expect(waitForPort(dies, await freePort(), 5000)).rejects.toThrow(/exited \(code 3\)[\s\S]*no config file/);
  });

  it("SIGKILLs a process that ignores SIGTERM after the grace, and descendants that left its group", async () => {
    // The grandchild starts a session of its own, as Erlang's erl_child_setup does.
    const stubborn = shell("stubborn", "trap '' TERM; setsid sleep 60 & echo started; wait");
    await waitForLogLine(stubborn, /started/, 5000);
    const grandchildren = descendants(stubborn.pid);
    expect(grandchildren.length).toBeGreaterThan(0);
    const status = await stopProcess(stubborn, { graceMs: 200 });
    expect(status.signal).toBe("SIGKILL");
    await sleep(50);
    expect(grandchildren.filter(alive)).toEqual([]);
  });

  it("kills everything still running at once, and a scope's processes when the scope closes", async () => {
    const scope = new Scope("test");
    const scoped = await inScope(scope, async () => shell("scoped", "sleep 30"));
    await scope.close();
    expect(scoped.exitStatus).toBeDefined();
    const left = shell("left", "sleep 30");
    expect(liveProcesses().map((p) => p.pid)).toContain(left.pid);
    expect(killEverything()).toBeGreaterThanOrEqual(1);
    expect((await left.exited).signal).toBe("SIGKILL");
  });
});

describe("workers", () => {
  const context = { dir, log: () => {}, port: freePort };

  it("reports over IPC, is killed at the chosen message, and can be paused and resumed", async () => {
    const killed = await startWorker(context, "ticker", { intervalMs: 200 });
    expect((await killed.killAfter("tick", 2)).signal).toBe("SIGKILL");
    expect(killed.count("tick")).toBe(2);

    const paused = await startWorker(context, "ticker", { intervalMs: 50 });
    await paused.waitFor("tick");
    paused.pause();
    await sleep(100); // a tick sent just before the SIGSTOP may still be on its way
    const frozen = paused.count("tick");
    await sleep(300);
    expect(paused.count("tick")).toBe(frozen);
    paused.resume();
    await paused.waitFor("tick", { count: frozen + 1 });
    expect((await paused.stop()).code).toBe(0);
  });
});
