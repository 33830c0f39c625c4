// The command line as users run it, from the sources through tsx so a test never runs a stale build
// (test/package.test.ts covers the build), without colour.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const bin = join(import.meta.dirname, "..", "..", "src", "cli", "bin.ts");
const tsx = import.meta.resolve("tsx");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `queuesim <args>` in `cwd` and waits for it. */
export function runCli(args: readonly string[], cwd: string): CliResult {
  const child = spawnSync(process.execPath, ["--import", tsx, bin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** Writes `text` as `file` in a fresh directory and runs `queuesim run <file>` there; says whether reports/ appeared. */
export function runScenarioText(text: string, file = "s.yaml"): CliResult & { dir: string; wroteReports: boolean } {
  const dir = mkdtempSync(join(tmpdir(), "queuesim-cli-"));
  writeFileSync(join(dir, file), text);
  const result = runCli(["run", file], dir);
  return { ...result, dir, wroteReports: existsSync(join(dir, "reports")) };
}
