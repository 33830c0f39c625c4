// Proves `queuesim explore` finds the delivery and side-effect violations hidden in example scenarios once their scheduled faults are removed, shrinks each to at most 2 faults, writes a scenario that `queuesim run` fails the same way, and is deterministic for a seed whatever the worker count.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parse, stringify } from "yaml";
import { main, runCommandLine } from "../../src/cli/main.js";
import { faultKinds } from "../../src/faults/registry.js";
import { EXPLORABLE_FAULT_KINDS } from "../../src/scenario/schema.js";

const scenarios = join(import.meta.dirname, "..", "..", "scenarios");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "queuesim-explore-"));
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

/** The example scenario with its `faults:` removed, written to the test's folder. */
function withoutFaults(example: string): { file: string; name: string } {
  const data = parse(readFileSync(join(scenarios, `${example}.yaml`), "utf8")) as Record<string, unknown>;
  delete data.faults;
  const file = join(dir, `${example}.yaml`);
  writeFileSync(file, stringify(data));
  return { file, name: String(data.name) };
}

interface ExploreJson {
  runs: number;
  failed: number;
  signatures: { signature: string; runs: number }[];
  counterexample: { shrinkSteps: number; faults: unknown[]; checks: { name: string }[] } | null;
}

const cases = [
  // A heartbeating SQS worker that crashes after its side effect: the job comes back and runs twice.
  { example: "sqs-visibility-heartbeat", args: ["--runs", "20"], check: "delivery: exactly-once" },
  // A Redis reliable list loses what it had confirmed but not yet written when the broker crashes.
  {
    example: "redis-reliable-list-reaper",
    args: ["--runs", "10", "--faults", "broker-crash"],
    check: "delivery: at-least-once",
  },
  // A dedup store written after the side effect: a crash in between repeats the effect.
  {
    example: "dedup-store-crash",
    args: ["--runs", "20", "--faults", "consumer-crash"],
    check: "sideEffects: exactly-once",
  },
];

describe("queuesim explore on example scenarios without their faults", () => {
  it.each(cases)(
    "$example: finds '$check' broken, shrinks to at most 2 faults, and run reproduces it",
    async ({ example, args, check }) => {
      const { file, name } = withoutFaults(example);
      const out = join(dir, "reports");
      expect(await runCommandLine(["run", file, "--out", join(dir, "baseline")])).toBe(0);
      expect(await runCommandLine(["explore", file, "--out", out, "--shrink-runs", "150", ...args])).toBe(1);
      const report = JSON.parse(readFileSync(join(out, name, "explore", "explore.json"), "utf8")) as ExploreJson;
      expect(report.failed).toBeGreaterThan(0);
      expect(report.signatures.reduce((sum, s) => sum + s.runs, 0)).toBe(report.failed);
      const found = report.counterexample!;
      expect(found.checks.map((c) => c.name)).toContain(check);
      expect(found.faults.length).toBeGreaterThanOrEqual(1);
      expect(found.faults.length).toBeLessThanOrEqual(2);
      expect(found.shrinkSteps).toBeGreaterThan(0);
      const counterexample = join(out, name, "explore", "counterexample.yaml");
      expect(readFileSync(counterexample, "utf8")).toContain(`# Replay:   queuesim run `);
      expect(await runCommandLine(["run", counterexample, "--out", join(dir, "replay")])).toBe(1);
      const replayed = JSON.parse(readFileSync(join(dir, "replay", `${name}-counterexample`, "summary.json"), "utf8"));
      const failed = replayed.checks.filter((c: { passed: boolean }) => !c.passed).map((c: { name: string }) => c.name);
      expect(failed).toContain(check);
    },
    120_000,
  );
});

describe("queuesim explore", () => {
  it("gives the same exploration for a seed with 1 or 2 worker threads", async () => {
    const { file, name } = withoutFaults("sqs-visibility-heartbeat");
    const read = (out: string) => readFileSync(join(dir, out, name, "explore", "explore.json"), "utf8");
    const common = ["--runs", "8", "--shrink-runs", "20", "--seed", "3"];
    await runCommandLine(["explore", file, "--out", join(dir, "one"), "--workers", "1", ...common]);
    await runCommandLine(["explore", file, "--out", join(dir, "two"), "--workers", "2", ...common]);
    expect(read("two")).toBe(read("one"));
    expect(JSON.parse(read("one")).runs).toBe(8);
  }, 120_000);

  it("refuses an unknown fault kind with a suggestion, exit 2, and writes nothing", async () => {
    const { file } = withoutFaults("sqs-visibility-heartbeat");
    const out = join(dir, "nothing");
    await expect(main(["explore", file, "--faults", "consumer-crush", "--out", out])).rejects.toThrow(
      /"consumer-crush" is not a fault kind explore can place; did you mean "consumer-crash"\?/,
    );
    expect(await runCommandLine(["explore", file, "--runs", "0", "--out", out])).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it("places only kinds the fault registry has", () => {
    const registered = faultKinds.map((kind) => kind.kind as string);
    for (const kind of EXPLORABLE_FAULT_KINDS) expect(registered).toContain(kind);
  });
});
