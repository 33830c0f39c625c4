// Proves queuesim survives generated and mutated scenario files: the validator and the run never throw, every rejection names a position, the CLI exits only 0, 1 or 2 and writes nothing on 2.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { profiles } from "../../src/brokers/profiles.js";
import { runCommandLine } from "../../src/cli/main.js";
import { fuzz, fuzzTextArbitrary } from "../../src/explore/fuzz.js";
import { scenarioArbitrary } from "../../src/explore/scenario-arbitrary.js";
import { faultKinds } from "../../src/faults/registry.js";
import { validateScenario } from "../../src/scenario/load.js";

describe("the scenario arbitrary", () => {
  const drawn = fc.sample(scenarioArbitrary(), { seed: 15, numRuns: 400 });
  const valid = drawn.flatMap((scenario) => {
    const result = validateScenario(scenario);
    return result.ok ? [result.scenario] : [];
  });

  it("draws mostly valid scenarios", () => {
    // The rest break cross-field rules (a direct exchange without bindings, replication above the brokers).
    expect(valid.length / drawn.length).toBeGreaterThan(0.7);
  });

  it("reaches every profile and every fault kind among the valid ones", () => {
    expect(new Set(valid.map((s) => s.broker.profile))).toEqual(new Set(profiles.map((p) => p.name)));
    const kinds = new Set(valid.flatMap((s) => s.faults.map((f) => faultKinds.find((kind) => kind.is(f))!.kind)));
    expect(kinds).toEqual(new Set(faultKinds.map((kind) => kind.kind)));
  });
});

describe("fuzzing in-process", () => {
  it("300 cases from a fixed seed: only exits 0, 1 and 2, every rejection placed", () => {
    const report = fuzz({ runs: 300, seed: 15 });
    expect(report.failures).toEqual([]);
    expect(report.runs).toBe(300);
    // Each outcome occurs, so the generator has not collapsed onto one of them.
    expect(Object.keys(report.byExit).sort()).toEqual(["0", "1", "2"]);
  });
});

describe("fuzzing the CLI", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "queuesim-fuzz-"));
    vi.spyOn(console, "log").mockImplementation(() => {});
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it("queuesim run on 12 generated files exits 0, 1 or 2, and writes nothing on 2", async () => {
    const texts = fc.sample(fuzzTextArbitrary(), { seed: 16, numRuns: 12 });
    const exits: number[] = [];
    for (const [index, text] of texts.entries()) {
      const file = join(dir, `case-${index}.yaml`);
      const out = join(dir, `out-${index}`);
      writeFileSync(file, text);
      const exit = await runCommandLine(["run", file, "--out", out]);
      exits.push(exit);
      expect([0, 1, 2]).toContain(exit);
      if (exit === 2) expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    }
    expect(exits).toContain(2);
  }, 60_000);
});
