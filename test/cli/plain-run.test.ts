import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

function queuesim(args: string[], cwd: string) {
  const child = runCli(args, cwd);
  // The wall-clock seconds a summary prints differ from run to run; the directory is each call's own.
  const stdout = child.stdout.replace(/ in [\d.]+s/g, " in Xs").replaceAll(/\b(quick|full)\//g, "OUT/");
  return { code: child.code, stdout, stderr: child.stderr };
}

const failing = `name: dup
duration: 5s
broker: {profile: fifo}
producers: [{name: p, rate: 200/s}]
consumers: [{group: g, processing: 1ms}]
faults: [{at: 1s, crash: consumer, target: g/1, restartAfter: 1s}]
expect: {delivery: exactly-once, latency: {p99: 1us}}
`;

describe("queuesim run, quick path", () => {
  it("writes the same report, prints the same summary and exits as the full command line does", () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-cli-"));
    writeFileSync(join(dir, "dup.yaml"), failing);
    const quick = queuesim(["run", "dup.yaml", "--out", "quick"], dir);
    // `--out=dir` is not the quick path's form: yargs parses this one.
    const full = queuesim(["run", "dup.yaml", "--out=full"], dir);
    expect(quick.code).toBe(1);
    expect(full.code).toBe(1);
    expect(quick.stdout).toBe(full.stdout);
    expect(quick.stderr).toBe(full.stderr);
    const files = readdirSync(join(dir, "full", "dup"), { recursive: true })
      .map(String)
      .sort();
    expect(files).toContain("index.html");
    expect(
      readdirSync(join(dir, "quick", "dup"), { recursive: true })
        .map(String)
        .sort(),
    ).toEqual(files);
    for (const file of files.filter((name) => name.includes("."))) {
      expect(
        readFileSync(join(dir, "quick", "dup", file)).equals(readFileSync(join(dir, "full", "dup", file))),
        file,
      ).toBe(true);
    }
  });

  it("refuses a missing file like the full command line, and leaves a bare --out to yargs", () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-cli-"));
    const quick = queuesim(["run", "nope.yaml"], dir);
    const full = queuesim(["run", "nope.yaml", "--json"], dir);
    expect(quick.code).toBe(2);
    expect(quick.stderr).toBe(full.stderr);
    expect(quick.stderr).not.toMatch(/\n\s+at /);
    writeFileSync(join(dir, "dup.yaml"), failing);
    // A bare --out is yargs' to read (it takes the default directory), not the quick path's.
    const bareOut = queuesim(["run", "dup.yaml", "--out"], dir);
    expect(bareOut.code).toBe(1);
    expect(readdirSync(join(dir, "reports", "dup"))).toContain("summary.json");
  });
});
