// Proves hostile numbers, YAML bombs and scenarios past their size budgets are refused as ordinary validation issues: every file in
// test/scenario/hostile/ loads to {ok: false} with located, path-carrying issues and no exception, the CLI
// exits 2 without a stack trace, and a file over the size limit is refused before it is parsed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, MAX_SCENARIO_FILE_MB } from "../../src/scenario/load.js";

const corpus = join(import.meta.dirname, "hostile");
const files = readdirSync(corpus)
  .filter((name) => name.endsWith(".yaml"))
  .sort();

/** What each file must be refused for: the field path and words of its first issue. */
const expected: Record<string, [path: string, words: string]> = {
  "alias-bomb.yaml": ["b.0", 'an "alias bomb"'],
  "budget-consumer-instances-1e6.yaml": ["consumers.0.instances", "limits.maxInstances is 10000"],
  "budget-crash-every-microsecond.yaml": ["faults.0.every", "at least 1.58e14 fault occurrences, by estimate"],
  "budget-fault-occurrences.yaml": ["faults.0.every", "50000 fault occurrences, by estimate (50000 of faults[0])"],
  "budget-instances-summed.yaml": ["consumers.0.instances", "needs 12002 instances"],
  "budget-kafka-brokers-1e9.yaml": ["broker.brokers", "limits.maxInstances is 10000"],
  "budget-memory-kept-rows.yaml": [
    "producers.0.rate",
    "the run keeps a row for every message (broker: profile kafka keeps them with these settings and faults): about 360000000 messages × 53 bytes = 19 GB at least (360000000 from producer p, its rate × 1 instance(s) × duration); limits.maxMemory is 1000 MB",
  ],
  "budget-kafka-partitions-1e9.yaml": [
    "broker.partitions",
    "1000000000 partitions (broker.partitions); limits.maxPartitions is 10000",
  ],
  "budget-phases-repeat.yaml": ["producers.0.arrival", "at least 1.58e14 events"],
  "budget-producer-instances-1e6.yaml": ["producers.0.instances", "limits.maxInstances is 10000"],
  "budget-rate-many-instances.yaml": ["producers.0.rate", "1.08e10 events, by estimate"],
  "budget-rate-ten-years.yaml": ["producers.0.rate", "limits.maxEvents is 500000000"],
  "budget-zipf-keys-1e9.yaml": ["producers.0.keys.count", "limits.maxKeys is 1000000"],
  "limits-max-events-zero.yaml": ["limits.maxEvents", "expected more than 0"],
  "limits-max-memory-words.yaml": ["limits.maxMemory", 'expected a size like 512B, 1KB, 64KiB or 1MB, found "lots"'],
  "limits-max-runs-inf.yaml": ["limits.maxRuns", "expected a finite number, found .inf"],
  "limits-typo.yaml": ["limits.maxInstance", 'unknown field "maxInstance"'],
  "broker-setting-1e400.yaml": ["broker.settings.prefetch", "expected a finite number, found 1e400"],
  "duration-1e20h.yaml": ["duration", 'at most 87600h (10 years), found "1e20h"'],
  "duration-1e400.yaml": ["duration", 'at most 87600h (10 years), found "1e400s"'],
  "duration-bare-1e400.yaml": ["duration", "expected a finite number, found 1e400"],
  "duration-inf.yaml": ["duration", "expected a finite number, found .inf"],
  "instances-minus-inf.yaml": ["consumers.0.instances", "expected a finite number, found -.inf"],
  "lognormal-absurd.yaml": ["consumers.0.processing.mu", "found 1e300"],
  "lognormal-heavy.yaml": ["consumers.0.processing", "mean is 5.25e+44us, above the limit of 87600h"],
  "pareto-tiny-shape.yaml": ["consumers.0.processing.shape", "expected more than 1"],
  "processing-1e400.yaml": ["consumers.0.processing", 'found "1e400ms"'],
  "processing-nan.yaml": ["consumers.0.processing", "expected a finite number, found .nan"],
  "rate-1e400.yaml": ["producers.0.rate", 'and 1000000/s (one per microsecond), found "1e400/s"'],
  "rate-huge.yaml": ["producers.0.rate", 'found "1e15/s"'],
  "rate-tiny.yaml": [
    "producers.0.rate",
    'between 1 per 10 years and 1000000/s (one per microsecond), found "1e-300/s"',
  ],
  "restart-1e400.yaml": ["faults.0.restartAfter", 'found "1e400s"'],
  "size-1e400.yaml": ["producers.0.size", 'at most 1000000GB (1 PB), found "1e400B"'],
  "size-bare-1e300.yaml": ["producers.0.size", "found 1e300"],
  "slow-factor-1e12.yaml": ["faults.0.slow.factor", "expected at most 1000000"],
  "slow-factor-1e308.yaml": ["faults.0.slow.factor", "found 1e308"],
};

describe("hostile scenario files", () => {
  it("the corpus and the table of expectations name the same files", () => {
    expect(files).toEqual(Object.keys(expected).sort());
  });

  it.each(files)("%s is refused with located issues naming a field", (name) => {
    const file = join(corpus, name);
    const result = loadScenarioFile(file);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const issue of result.issues) {
      expect(issue.location).toMatchObject({ file, line: expect.any(Number), column: expect.any(Number) });
      expect(issue.path.length).toBeGreaterThan(0);
    }
    const [path, words] = expected[name]!;
    expect(result.issues[0]!.path.join(".")).toBe(path);
    expect(result.issues[0]!.message).toContain(words);
  });

  it("a file over the size limit is refused before parsing, naming its size and the limit", () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-hostile-"));
    const file = join(dir, "huge.yaml");
    writeFileSync(file, `# ${"x".repeat(MAX_SCENARIO_FILE_MB * 1_000_000 + 500_000)}\n`);
    const result = loadScenarioFile(file);
    expect(result).toMatchObject({ ok: false });
    if (result.ok) return;
    expect(result.issues).toEqual([
      {
        code: "unreadable",
        path: [],
        message: "the scenario file is 10.5 MB; the limit is 10 MB, so it is not read",
        location: { file, line: 1, column: 1 },
      },
    ]);
  });
});

describe("YAML nested thousands of levels deep", () => {
  it("is a syntax issue with a position that says so, not a stack overflow", () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-hostile-"));
    const file = join(dir, "deep.yaml");
    writeFileSync(file, `name: ${"[".repeat(5000)}${"]".repeat(5000)}\n`);
    const result = loadScenarioFile(file);
    expect(result).toMatchObject({
      ok: false,
      issues: [{ code: "syntax", message: expect.stringContaining("nested too deeply"), location: { file, line: 1 } }],
    });
  });
});

describe("queuesim validate on hostile files", () => {
  // The sources through tsx, as test/cli/cli.test.ts runs them.
  const bin = join(import.meta.dirname, "..", "..", "src", "cli", "bin.ts");
  const tsx = import.meta.resolve("tsx");
  it.each([
    ["alias-bomb.yaml", "alias-bomb.yaml:3:8"],
    ["duration-inf.yaml", "duration-inf.yaml:3:11  duration: expected a finite number, found .inf"],
  ])("%s exits 2 with the position and no stack trace", (name, shown) => {
    const child = spawnSync(process.execPath, ["--import", tsx, bin, "validate", name], {
      cwd: corpus,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(child.status).toBe(2);
    expect(`${child.stdout}${child.stderr}`).toContain(shown);
    expect(child.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("up-front budgets", () => {
  it("each refusal says which limits: field raises the budget", () => {
    for (const name of files.filter((file) => file.startsWith("budget-"))) {
      const result = loadScenarioFile(join(corpus, name));
      expect(result.ok, name).toBe(false);
      if (result.ok) continue;
      expect(result.issues[0]!.hint, name).toMatch(
        /^raise limits\.max\w+ if the scenario really needs that (many$|much)/,
      );
    }
  });
});
