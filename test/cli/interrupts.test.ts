// Proves Ctrl-C and SIGTERM stop the CLI cleanly: exit 130/143, the trace's temporary file removed, no
// report or staging folder left (the CLI spawned from the sources through tsx, as test/cli/cli.test.ts does,
// and signalled once its trace file shows the run under way); an interrupted pool ends its worker threads;
// and `merge` accepts the folder `sweep --shard` was given.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { runCommandLine } from "../../src/cli/main.js";
import { runAll } from "../../src/parallel/pool.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const bin = join(import.meta.dirname, "..", "..", "src", "cli", "bin.ts");
const tsx = import.meta.resolve("tsx");

// Hours of simulated traffic: minutes of work, so the signal always finds it running.
const long = `name: long
duration: 4h
broker: {profile: fifo}
producers: [{name: p, rate: 5000/s}]
consumers: [{group: g, processing: 100us}]
`;

function start(
  args: string[],
  cwd: string,
): { child: ChildProcess; exit: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, ["--import", tsx, bin, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, stderr })),
  );
  return { child, exit };
}

/** Waits (polling, at most a minute) until `ready` holds. */
async function until(ready: () => boolean): Promise<void> {
  await vi.waitFor(() => expect(ready()).toBe(true), { timeout: 60_000, interval: 100 });
}

describe("interrupting the CLI", () => {
  it("SIGINT during run --trace exits 130, removes the trace's temporary file and writes no report", async () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-interrupt-"));
    writeFileSync(join(dir, "long.yaml"), long);
    const { child, exit } = start(["run", "long.yaml", "--trace", "events.ndjson"], dir);
    await until(() => readdirSync(dir).some((name) => name.endsWith(".tmp")));
    child.kill("SIGINT");
    const { code, stderr } = await exit;
    expect(code).toBe(130);
    expect(stderr).toContain("interrupted by SIGINT");
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(dir)).toEqual(["long.yaml"]);
  });

  it("SIGTERM exits 143 the same way", async () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-interrupt-"));
    writeFileSync(join(dir, "long.yaml"), long);
    const { child, exit } = start(["run", "long.yaml", "--trace", "events.ndjson", "--out", "out"], dir);
    await until(() => readdirSync(dir).some((name) => name.endsWith(".tmp")));
    child.kill("SIGTERM");
    const { code, stderr } = await exit;
    expect(code).toBe(143);
    expect(stderr).toContain("interrupted by SIGTERM");
    expect(readdirSync(dir)).toEqual(["long.yaml"]);
  });
});

describe("an interrupted pool", () => {
  it("rejects with the signal's reason and ends its worker threads", async () => {
    const scenario = parsed(scenarioInput({ duration: "4h", producers: [{ name: "p", rate: "5000/s" }] }));
    const controller = new AbortController();
    const reason = new Error("interrupted");
    const pending = runAll([scenario, scenario], {}, { workers: 2, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 1000);
    // Were the threads left running, the four-hour runs would hold this promise for minutes.
    await expect(pending).rejects.toBe(reason);
  });
});

describe("merge", () => {
  it("accepts the --out folder that sweep --shard wrote into", async () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-merge-"));
    const home = process.cwd();
    writeFileSync(join(dir, "s.yaml"), long.replace("4h", "1s").replace("name: long", "name: s"));
    process.chdir(dir);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const sweep = ["sweep", "s.yaml", "--param", "duration=1s,2s,3s", "--out", "out"];
      expect(await runCommandLine([...sweep, "--shard", "1/2"])).toBe(0);
      expect(await runCommandLine([...sweep, "--shard", "2/2"])).toBe(0);
      expect(await runCommandLine(["merge", "out", "--out", "out"])).toBe(0);
    } finally {
      log.mockRestore();
      process.chdir(home);
    }
    const csv = readFileSync(join(dir, "out", "s", "sweep", "sweep.csv"), "utf8");
    expect(
      new Set(
        csv
          .trim()
          .split("\n")
          .slice(1)
          .map((row) => row.split(",")[0]),
      ),
    ).toEqual(new Set(["0", "1", "2"]));
  });
});
