// Proves `queuesim init`: every profile × pattern template validates, runs and holds its expectations; it never overwrites; bad choices exit 2 with a suggestion.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { profiles } from "../../src/brokers/profiles.js";
import { commandInit } from "../../src/cli/init.js";
import { PATTERNS } from "../../src/cli/templates.js";
import { UsageError } from "../../src/cli/usage.js";
import { loadScenarioFile, runScenario } from "../../src/index.js";

const bin = join(import.meta.dirname, "..", "..", "src", "cli", "bin.ts");
const tsx = import.meta.resolve("tsx");

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "queuesim-init-"));
  vi.spyOn(console, "log").mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Every combination a user can ask for; ordered needs a profile that promises some order. */
const combinations = profiles.flatMap((profile) =>
  PATTERNS.filter((pattern) => pattern !== "ordered" || profile.facts.ordering !== "none").map(
    (pattern) => [profile.name, pattern] as const,
  ),
);

describe("queuesim init templates", () => {
  it.each(combinations)("%s × %s validates, runs and passes its own expectations", (profile, pattern) => {
    const file = join(dir, `${profile}-${pattern}.yaml`);
    expect(commandInit({ name: join(dir, `${profile}-${pattern}`), profile, pattern })).toBe(0);
    const text = readFileSync(file, "utf8");
    const schemaLine = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text);
    expect(schemaLine, "first line names the schema").not.toBeNull();
    expect(existsSync(resolve(dirname(file), schemaLine![1]!))).toBe(true);
    const loaded = loadScenarioFile(file);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues, null, 2));
    expect(loaded.warnings).toEqual([]);
    expect(loaded.scenario.broker.profile).toBe(profile);
    expect(loaded.scenario.expect.delivery).toBe("at-least-once");
    const run = runScenario(loaded.scenario);
    expect(run.summary.checks.length).toBeGreaterThanOrEqual(2);
    expect(run.summary.checks.filter((c) => !c.passed)).toEqual([]);
    if (pattern === "pubsub") expect(loaded.scenario.consumers).toHaveLength(2);
    if (pattern === "ordered") expect(run.summary.checks.map((c) => c.name)).toContain("ordering: per-key");
  });

  it("covers every profile, and refuses ordered only where a profile promises no order", () => {
    expect(new Set(combinations.map(([profile]) => profile))).toEqual(new Set(profiles.map((p) => p.name)));
    const orderless = profiles.filter((p) => p.facts.ordering === "none").map((p) => p.name);
    expect(combinations.length).toBe(profiles.length * PATTERNS.length - orderless.length);
    for (const profile of orderless) {
      expect(() => commandInit({ name: join(dir, "o"), profile, pattern: "ordered" })).toThrow(/keeps order/);
    }
  });
});

describe("queuesim init", () => {
  it("never overwrites an existing file", () => {
    const file = join(dir, "demo.yaml");
    writeFileSync(file, "mine\n");
    expect(() => commandInit({ name: join(dir, "demo"), profile: "kafka", pattern: "work-queue" })).toThrow(
      /already exists/,
    );
    expect(readFileSync(file, "utf8")).toBe("mine\n");
  });

  it("writes into a folder that does not exist yet, named by the path's last part", () => {
    expect(commandInit({ name: join(dir, "scenarios", "orders"), profile: "fifo", pattern: "pubsub" })).toBe(0);
    const text = readFileSync(join(dir, "scenarios", "orders.yaml"), "utf8");
    expect(text).toContain("\nname: orders\n");
    expect(text).toMatch(/^# yaml-language-server: \$schema=\.\.\/.*schema\/scenario\.schema\.json\n/);
  });

  it("suggests the profile or pattern meant, and checks the name", () => {
    const attempt = (profile: string, pattern: string, name = join(dir, "x")) => {
      try {
        commandInit({ name, profile, pattern });
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error("expected a UsageError");
    };
    expect(attempt("kafak", "work-queue")).toContain('did you mean "kafka"?');
    expect(attempt("kafka", "pub-sub")).toContain('did you mean "pubsub"?');
    expect(attempt("kafka", "pubsub", join(dir, "bad name"))).toContain("scenario name");
    expect(existsSync(join(dir, "x.yaml"))).toBe(false);
  });

  it("from the command line: init demo, then run demo.yaml, in an empty folder", () => {
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ["--import", tsx, bin, ...args], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
    const init = cli(["init", "demo", "--profile", "kafka"]);
    expect(init.status).toBe(0);
    expect(init.stdout).toContain("queuesim run demo.yaml");
    const again = cli(["init", "demo", "--profile", "kafka"]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("demo.yaml already exists");
    expect(again.stderr).not.toMatch(/\n\s+at /);
    const run = cli(["run", "demo.yaml"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("passed; report in");
  });
});
