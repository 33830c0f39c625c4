// Proves that bad scenario files yield precise issues (code, path, line:column, expected/found wording, hint) and valid ones get defaults.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  closestMatch,
  editDistance,
  formatIssue,
  formatPath,
  type IssueCode,
  type ScenarioIssue,
} from "../../src/scenario/issues.js";
import { loadScenarioFile, parseScenarioText, validateScenario } from "../../src/scenario/load.js";

const FILE = "scenario.yaml";

/** One line per argument, so a test's line numbers can be read off its source. */
const yaml = (...lines: string[]): string => `${lines.join("\n")}\n`;

interface Expected {
  code: IssueCode;
  path: string;
  line: number;
  column: number;
  /** Phrases the message must contain: what was expected and what was found. */
  words: string[];
  hint?: string;
}

function problems(text: string, file = FILE): ScenarioIssue[] {
  const result = parseScenarioText(text, file);
  if (result.ok) throw new Error("expected problems, but the scenario was accepted");
  expect(result.file).toBe(file);
  return result.issues;
}

function single(text: string, file = FILE): ScenarioIssue {
  const issues = problems(text, file);
  expect(issues, issues.map((issue) => formatIssue(issue, file)).join("\n")).toHaveLength(1);
  return issues[0]!;
}

function expectIssue(issue: ScenarioIssue | undefined, expected: Expected, file = FILE): void {
  expect(issue).toBeDefined();
  expect({
    code: issue!.code,
    path: formatPath(issue!.path),
    location: issue!.location,
    hint: issue!.hint,
  }).toEqual({
    code: expected.code,
    path: expected.path,
    location: { file, line: expected.line, column: expected.column },
    hint: expected.hint,
  });
  for (const word of expected.words) expect(issue!.message).toContain(word);
}

describe("YAML-level problems", () => {
  it("reports a YAML syntax error with its position and does not validate further", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo",
        "producers: [{name: p, rate: 100/s}]",
        "consumers: [{group: g, processing: 1ms}]",
      ),
    );
    // The parser notices the unclosed "{" where the next block key starts.
    expectIssue(issue, {
      code: "syntax",
      path: "(top level)",
      line: 4,
      column: 1,
      words: ["Flow map", "end with a }"],
    });
  });

  it("reports an unclosed quote", () => {
    const issue = single(yaml('name: "t', "duration: 10s"));
    expectIssue(issue, {
      code: "syntax",
      path: "(top level)",
      line: 3,
      column: 1,
      words: ["Missing closing", "quote"],
    });
  });

  it("names a duplicated key, its path, and the line of its first use", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers:",
        "  - group: g",
        "    processing: 1ms",
        "    group: h",
      ),
    );
    expectIssue(issue, {
      code: "syntax",
      path: "consumers[0].group",
      line: 8,
      column: 5,
      words: ['field "group" is given twice', "first is on line 6"],
    });
  });

  it("finds a duplicated key inside a flow mapping", () => {
    const issue = single(yaml("broker: {profile: fifo, profile: fifo}"));
    expectIssue(issue, {
      code: "syntax",
      path: "broker.profile",
      line: 1,
      column: 25,
      words: ['"profile" is given twice', "line 1"],
    });
  });

  it("rejects a file that holds a list instead of a mapping, saying what it found", () => {
    const issue = single(yaml("- name: t", "- duration: 10s"));
    expectIssue(issue, {
      code: "wrong-type",
      path: "(top level)",
      line: 1,
      column: 1,
      words: ["must hold a mapping", "found a list of 2"],
    });
  });

  it("rejects an empty file, a file of comments, and a bare scalar", () => {
    for (const text of ["", yaml("# nothing but", "# comments")]) {
      expectIssue(single(text), {
        code: "wrong-type",
        path: "(top level)",
        line: 1,
        column: 1,
        words: ["must hold a mapping", "found an empty file"],
      });
    }
    expectIssue(single(yaml("# only a comment", "hello")), {
      code: "wrong-type",
      path: "(top level)",
      line: 2,
      column: 1,
      words: ["must hold a mapping", 'found "hello"'],
    });
  });
});

describe("unknown fields", () => {
  it("suggests the intended top-level field and does not also call it missing", () => {
    const issue = single(
      yaml(
        "name: t",
        "duraton: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers: [{group: g, processing: 1ms}]",
      ),
    );
    expectIssue(issue, {
      code: "unknown-field",
      path: "duraton",
      line: 2,
      column: 1,
      words: ['unknown field "duraton"'],
      hint: 'did you mean "duration"?',
    });
  });

  it("suggests the intended nested field, pointing at the misspelt key", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers:",
        "  - group: g",
        "    procesing: 1ms",
      ),
    );
    expectIssue(issue, {
      code: "unknown-field",
      path: "consumers[0].procesing",
      line: 7,
      column: 5,
      words: ['unknown field "procesing"'],
      hint: 'did you mean "processing"?',
    });
  });

  it("lists the valid fields when nothing is close", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers: [{group: g, processing: 1ms}]",
        "xyzzy: 1",
      ),
    );
    expectIssue(issue, {
      code: "unknown-field",
      path: "xyzzy",
      line: 6,
      column: 1,
      words: ['unknown field "xyzzy"'],
      hint: "valid fields here: $schema, name, description, seed, duration, warmup, drainTimeout, broker, brokers, network, producers, dependencies, consumers, sagas, faults, expect, compare, sweep, explore, limits",
    });
  });

  it("looks inside a distribution chosen by its dist", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers:",
        "  - group: g",
        "    processing: {dist: exponential, mean: 1ms, meen: 2ms}",
      ),
    );
    expectIssue(issue, {
      code: "unknown-field",
      path: "consumers[0].processing.meen",
      line: 7,
      column: 48,
      words: ['unknown field "meen"'],
      hint: 'did you mean "mean"?',
    });
  });

  it("treats a misspelt discriminator key as unknown rather than missing", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profle: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers: [{group: g, processing: 1ms}]",
      ),
    );
    expectIssue(issue, {
      code: "unknown-field",
      path: "broker.profle",
      line: 3,
      column: 10,
      words: ['unknown field "profle"'],
      hint: 'did you mean "profile"?',
    });
  });
});

describe("unknown values", () => {
  it("suggests fifo for a misspelt broker profile", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker:",
        "  profile: fifoo",
        "producers: [{name: p, rate: 100/s}]",
        "consumers: [{group: g, processing: 1ms}]",
      ),
    );
    expectIssue(issue, {
      code: "unknown-value",
      path: "broker.profile",
      line: 4,
      column: 12,
      words: ['expected one of "fifo"', 'found "fifoo"'],
      hint: 'did you mean "fifo"?',
    });
  });

  it("suggests the delivery guarantee that was meant", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers: [{group: g, processing: 1ms}]",
        "expect:",
        "  delivery: at-least-one",
      ),
    );
    expectIssue(issue, {
      code: "unknown-value",
      path: "expect.delivery",
      line: 7,
      column: 13,
      words: ['expected one of "at-most-once", "at-least-once", "exactly-once"', 'found "at-least-one"'],
      hint: 'did you mean "at-least-once"?',
    });
  });

  it("suggests the distribution that was meant", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers:",
        "  - group: g",
        "    processing: {dist: exponental, mean: 5ms}",
      ),
    );
    expectIssue(issue, {
      code: "unknown-value",
      path: "consumers[0].processing.dist",
      line: 7,
      column: 24,
      words: ['"exponential"', '"lognormal"', '"pareto"', 'found "exponental"'],
      hint: 'did you mean "exponential"?',
    });
  });

  it("offers no suggestion when no allowed value is close", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker:",
        "  profile: fifo",
        "  settings: {overflow: drop-tail}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers: [{group: g, processing: 1ms}]",
      ),
    );
    expectIssue(issue, {
      code: "unknown-value",
      path: "broker.settings.overflow",
      line: 5,
      column: 24,
      words: ['expected one of "reject-publish", "drop-head", "block"', 'found "drop-tail"'],
    });
  });
});

describe("quantities with units", () => {
  it("reports each bad unit with the accepted forms and the text found", () => {
    const issues = problems(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers:",
        "  - name: p",
        "    rate: 2000/fortnight",
        "    size: 1XB",
        "consumers:",
        "  - group: g",
        "    processing: 5mss",
      ),
    );
    expect(issues).toHaveLength(3);
    expectIssue(issues[0], {
      code: "invalid",
      path: "producers[0].rate",
      line: 6,
      column: 11,
      words: ["expected a rate like 500/s", 'found "2000/fortnight"'],
    });
    expectIssue(issues[1], {
      code: "invalid",
      path: "producers[0].size",
      line: 7,
      column: 11,
      words: ["expected a size like 512B, 1KB", 'found "1XB"'],
    });
    expectIssue(issues[2], {
      code: "invalid",
      path: "consumers[0].processing",
      line: 10,
      column: 17,
      words: ["expected a duration with a unit, like 250us, 5ms", 'found "5mss"'],
    });
  });

  it("rejects a bare number as a duration", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers: [{group: g, processing: 1ms}]",
      ),
    );
    expectIssue(issue, {
      code: "invalid",
      path: "duration",
      line: 2,
      column: 11,
      words: ["expected a duration with a unit", "found number 10"],
    });
  });

  it("points at a bad parameter inside a distribution", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers:",
        "  - group: g",
        "    processing: {dist: exponential, mean: 5mss}",
      ),
    );
    expectIssue(issue, {
      code: "invalid",
      path: "consumers[0].processing.mean",
      line: 7,
      column: 43,
      words: ["expected a duration with a unit", 'found "5mss"'],
    });
  });
});

describe("missing fields", () => {
  it("reports a missing top-level field at the mapping and a missing nested field at its parent", () => {
    const issues = problems(
      yaml(
        "# a header comment",
        "name: t",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers:",
        "  - group: g",
      ),
    );
    expect(issues).toHaveLength(2);
    expectIssue(issues[0], {
      code: "missing-field",
      path: "duration",
      line: 2,
      column: 1,
      words: ['missing required field "duration"', "expected a duration with a unit"],
    });
    expectIssue(issues[1], {
      code: "missing-field",
      path: "consumers[0].processing",
      line: 6,
      column: 5,
      words: ['missing required field "processing"'],
    });
  });

  it("names the choices for a missing dist", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers: [{group: g, processing: {mean: 5ms}}]",
      ),
    );
    expectIssue(issue, {
      code: "missing-field",
      path: "consumers[0].processing.dist",
      line: 5,
      column: 36,
      words: ['missing required field "dist"', 'one of "constant", "uniform", "exponential"'],
    });
  });
});

describe("types and ranges", () => {
  it("reports a string where a count belongs", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers:",
        "  - name: p",
        "    rate: 100/s",
        '    instances: "two"',
        "consumers: [{group: g, processing: 1ms}]",
      ),
    );
    expectIssue(issue, {
      code: "wrong-type",
      path: "producers[0].instances",
      line: 7,
      column: 16,
      words: ["expected a number", 'found "two"'],
    });
  });

  it("reports a fraction where a whole number belongs", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers: [{group: g, processing: 1ms, concurrency: 1.5}]",
      ),
    );
    expectIssue(issue, {
      code: "wrong-type",
      path: "consumers[0].concurrency",
      line: 5,
      column: 54,
      words: ["expected a whole number", "found number 1.5"],
    });
  });

  it("reports a count of zero as out of range", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers:",
        "  - group: g",
        "    processing: 1ms",
        "    instances: 0",
      ),
    );
    expectIssue(issue, {
      code: "out-of-range",
      path: "consumers[0].instances",
      line: 8,
      column: 16,
      words: ["expected more than 0", "found number 0"],
    });
  });

  it("reports an empty producer list as too short", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: []",
        "consumers: [{group: g, processing: 1ms}]",
      ),
    );
    expectIssue(issue, {
      code: "out-of-range",
      path: "producers",
      line: 4,
      column: 12,
      words: ["expected at least 1 item", "found a list of 0"],
    });
  });

  it("reports a scalar where the broker mapping belongs", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: fifo",
        "producers: [{name: p, rate: 100/s}]",
        "consumers: [{group: g, processing: 1ms}]",
      ),
    );
    expectIssue(issue, {
      code: "wrong-type",
      path: "broker",
      line: 3,
      column: 9,
      words: ["expected a mapping", 'found "fifo"'],
    });
  });
});

describe("rules across fields", () => {
  it("explains which parameter pairs a lognormal needs", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers:",
        "  - group: g",
        "    processing: {dist: lognormal, median: 5ms}",
      ),
    );
    expectIssue(issue, {
      code: "invalid",
      path: "consumers[0].processing",
      line: 7,
      column: 17,
      words: ["a lognormal needs", "median and p99", "mean and p99", "mu and sigma"],
    });
  });

  it("rejects a producer with both rate and arrival, and one with neither", () => {
    const issues = problems(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers:",
        "  - name: p",
        "    rate: 100/s",
        "    arrival: {rate: 100/s}",
        "  - name: q",
        "consumers: [{group: g, processing: 1ms}]",
      ),
    );
    expect(issues).toHaveLength(2);
    for (const [issue, index, line] of [
      [issues[0], 0, 5],
      [issues[1], 1, 8],
    ] as const) {
      expectIssue(issue, {
        code: "invalid",
        path: `producers[${index}]`,
        line,
        column: 5,
        words: ["a producer needs exactly one of rate, arrival or schedule"],
      });
    }
  });

  it("reports a duplicated producer name at its second use", () => {
    const issue = single(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers:",
        "  - {name: p, rate: 100/s}",
        "  - {name: p, rate: 5/s}",
        "consumers: [{group: g, processing: 1ms}]",
      ),
    );
    expectIssue(issue, {
      code: "invalid",
      path: "producers[1].name",
      line: 6,
      column: 12,
      words: ['"p" is already used by producers[0]', "must be unique"],
    });
  });
});

describe("several problems at once", () => {
  it("reports every independent problem in one pass, in file order", () => {
    const issues = problems(
      yaml(
        "name: t",
        "duraton: 10s",
        "broker: {profile: fifo}",
        "producers:",
        "  - name: p",
        "    rate: 2000/fortnight",
        '    instances: "two"',
        "consumers:",
        "  - group: g",
        "    processing: {dist: exponental, mean: 5ms}",
        "expect:",
        "  delivery: at-least-one",
      ),
    );
    expect(issues.map((issue) => [issue.code, formatPath(issue.path), issue.location?.line])).toEqual([
      ["unknown-field", "duraton", 2],
      ["invalid", "producers[0].rate", 6],
      ["wrong-type", "producers[0].instances", 7],
      ["unknown-value", "consumers[0].processing.dist", 10],
      ["unknown-value", "expect.delivery", 12],
    ]);
    expect(issues.map((issue) => issue.hint)).toEqual([
      'did you mean "duration"?',
      undefined,
      undefined,
      'did you mean "exponential"?',
      'did you mean "at-least-once"?',
    ]);
  });
});

describe("JSON scenarios", () => {
  const json = (...lines: string[]) => lines.join("\n");

  it("locates errors by line and column in JSON too", () => {
    const issues = problems(
      json(
        "{",
        '  "name": "t",',
        '  "duration": "10s",',
        '  "broker": {"profile": "fifoo"},',
        '  "producers": [{"name": "p", "rate": "100/s"}],',
        '  "consumers": [{"group": "g", "procesing": "1ms"}]',
        "}",
      ),
      "scenario.json",
    );
    expect(issues).toHaveLength(2);
    expectIssue(
      issues[0],
      {
        code: "unknown-value",
        path: "broker.profile",
        line: 4,
        column: 25,
        words: ['expected one of "fifo"', 'found "fifoo"'],
        hint: 'did you mean "fifo"?',
      },
      "scenario.json",
    );
    expectIssue(
      issues[1],
      {
        code: "unknown-field",
        path: "consumers[0].procesing",
        line: 6,
        column: 32,
        words: ['unknown field "procesing"'],
        hint: 'did you mean "processing"?',
      },
      "scenario.json",
    );
  });

  it("locates a JSON syntax error", () => {
    const issue = single(json("{", '  "name": "t"', '  "duration": "10s"', "}"), "scenario.json");
    expectIssue(
      issue,
      { code: "syntax", path: "(top level)", line: 3, column: 3, words: ["Missing ,", "flow map"] },
      "scenario.json",
    );
  });
});

describe("loading files", () => {
  const directory = mkdtempSync(join(tmpdir(), "queuesim-validation-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("reports a missing file as unreadable, located at the file only", () => {
    const file = join(directory, "no-such-scenario.yaml");
    const result = loadScenarioFile(file);
    expect(result).toEqual({
      ok: false,
      file,
      issues: [{ code: "unreadable", path: [], message: "cannot read the scenario file: no such file" }],
    });
    if (!result.ok) {
      expect(formatIssue(result.issues[0]!, file)).toBe(
        `${file}  (top level): cannot read the scenario file: no such file`,
      );
    }
  });

  it("reports a directory in place of a file in plain words", () => {
    const file = join(directory, "a-directory.yaml");
    mkdirSync(file);
    const result = loadScenarioFile(file);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues).toEqual([
        { code: "unreadable", path: [], message: "cannot read the scenario file: it is a directory" },
      ]);
    }
  });

  it("labels locations with the path of the file it read", () => {
    const file = join(directory, "bad.json");
    writeFileSync(file, '{"name": "t", "duration": "10s", "broker": {"profile": "fifo"},\n "producers": []}\n');
    const result = loadScenarioFile(file);
    if (result.ok) throw new Error("expected problems");
    expect(result.issues.map((issue) => [issue.code, formatPath(issue.path), issue.location])).toEqual([
      ["missing-field", "consumers", { file, line: 1, column: 1 }],
      ["out-of-range", "producers", { file, line: 2, column: 15 }],
    ]);
  });

  it("loads a valid file from disk", () => {
    const file = join(directory, "good.yaml");
    writeFileSync(
      file,
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers: [{group: g, processing: 1ms}]",
      ),
    );
    const result = loadScenarioFile(file);
    expect(result.ok && result.scenario.duration).toBe(10_000_000);
  });
});

describe("a valid minimal scenario", () => {
  it("parses with every default filled in, in base units", () => {
    const result = parseScenarioText(
      yaml(
        "name: t",
        "duration: 10s",
        "broker: {profile: fifo}",
        "producers: [{name: p, rate: 100/s}]",
        "consumers: [{group: g, processing: 1ms}]",
      ),
      FILE,
    );
    expect(result).toEqual({
      ok: true,
      file: FILE,
      data: {
        name: "t",
        duration: "10s",
        broker: { profile: "fifo" },
        producers: [{ name: "p", rate: "100/s" }],
        consumers: [{ group: "g", processing: "1ms" }],
      },
      scenario: {
        name: "t",
        seed: 1,
        duration: 10_000_000,
        warmup: 0,
        drainTimeout: 60_000_000,
        broker: {
          profile: "fifo",
          partitions: 1,
          serviceTime: { dist: "constant", value: 0 },
          settings: {
            maxLength: null,
            overflow: "reject-publish",
            prefetch: null,
            crashDetection: 10_000_000,
            deliveryLimit: null,
            durable: true,
          },
        },
        network: { latency: { dist: "constant", value: 0 } },
        producers: [
          {
            name: "p",
            instances: 1,
            rate: 100,
            keys: "none",
            size: { dist: "constant", value: 1000 },
            publish: { timeout: null, retries: 0, backoff: 100_000, resendOnRestart: false },
          },
        ],
        consumers: [
          {
            group: "g",
            instances: 1,
            concurrency: 1,
            processing: { dist: "constant", value: 1000 },
            idempotency: { strategy: "none" },
          },
        ],
        faults: [],
        expect: {},
        limits: {
          maxEvents: 500_000_000,
          maxInstances: 10_000,
          maxPartitions: 10_000,
          maxKeys: 1_000_000,
          maxFaultOccurrences: 10_000,
          maxRuns: 10_000,
          maxMemory: "auto",
        },
      },
      warnings: [],
    });
  });

  it("validates an object directly, without locations", () => {
    const result = validateScenario({ name: "t", duration: "10s", broker: { profile: "fifo" }, producers: [] });
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          code: "out-of-range",
          path: ["producers"],
          message: "expected at least 1 item, found a list of 0",
        },
        { code: "missing-field", path: ["consumers"], message: 'missing required field "consumers" (expected a list)' },
      ],
    });
  });
});

describe("formatting and suggestions", () => {
  it("formats an issue as file:line:col  path: message, with the hint indented below", () => {
    const issue: ScenarioIssue = {
      code: "unknown-field",
      path: ["consumers", 0, "procesing"],
      message: 'unknown field "procesing"',
      hint: 'did you mean "processing"?',
      location: { file: "a.yaml", line: 7, column: 5 },
    };
    expect(formatIssue(issue, "fallback.yaml")).toBe(
      'a.yaml:7:5  consumers[0].procesing: unknown field "procesing"\n    did you mean "processing"?',
    );
    expect(formatIssue({ code: "syntax", path: [], message: "broken" }, "fallback.yaml")).toBe(
      "fallback.yaml  (top level): broken",
    );
  });

  it("formats paths as users write them", () => {
    expect(formatPath([])).toBe("(top level)");
    expect(formatPath(["producers", 2, "arrival", "phases", 0, "for"])).toBe("producers[2].arrival.phases[0].for");
    expect(formatPath([0, "name"])).toBe("[0].name");
  });

  it("measures edit distance, counting an adjacent swap as one edit", () => {
    expect(editDistance("", "")).toBe(0);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("abc", "")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("sitting", "kitten")).toBe(3);
    expect(editDistance("procesing", "processing")).toBe(1);
    expect(editDistance("fifo", "ffio")).toBe(1);
    expect(editDistance("at-least-one", "at-least-once")).toBe(1);
  });

  it("picks the closest candidate within a distance that grows with the word", () => {
    expect(closestMatch("duraton", ["name", "duration", "drainTimeout"])).toBe("duration");
    expect(closestMatch("FIFO", ["fifo"])).toBe("fifo");
    expect(closestMatch("exponental", ["normal", "exponential", "lognormal"])).toBe("exponential");
    // Six letters allow two edits, not three.
    expect(closestMatch("abcdef", ["abcdxy"])).toBe("abcdxy");
    expect(closestMatch("abcdef", ["abcxyz"])).toBeUndefined();
    // Twelve letters allow four edits.
    expect(closestMatch("abcdefghijkl", ["abcdefghwxyz"])).toBe("abcdefghwxyz");
    expect(closestMatch("abcdefghijkl", ["abcdefgvwxyz"])).toBeUndefined();
    // The nearest wins, and the first of equals.
    expect(closestMatch("mean", ["median", "meen", "mea"])).toBe("meen");
    expect(closestMatch("zzzzzz", [])).toBeUndefined();
  });
});

describe("message priorities", () => {
  const withPriority = (priority: string) =>
    yaml(
      "name: t",
      "duration: 10s",
      "broker: {profile: rabbitmq}",
      "producers:",
      "  - name: p",
      "    rate: 100/s",
      `    priority: ${priority}`,
      "consumers: [{group: g, processing: 1ms}]",
    );

  it("reports a priority above 255 at the field", () => {
    expectIssue(single(withPriority("300")), {
      code: "out-of-range",
      path: "producers[0].priority",
      line: 7,
      column: 15,
      words: ["expected at most 255", "found number 300"],
    });
  });

  it("names the weight key that is not a priority, and a misspelt weights", () => {
    expectIssue(single(withPriority("{weights: {urgent: 1, 9: 2}}")), {
      code: "invalid",
      path: "producers[0].priority.weights.urgent",
      line: 7,
      column: 34,
      words: ['"urgent" is not a priority', "0 to 255"],
    });
    expectIssue(single(withPriority("{weight: {9: 1}}")), {
      code: "unknown-field",
      path: "producers[0].priority.weight",
      line: 7,
      column: 16,
      words: ['"weight"'],
      hint: 'did you mean "weights"?',
    });
  });

  it("accepts a fixed priority and a weighted mix", () => {
    for (const priority of ["0", "255", "{weights: {0: 90, 9: 10}}"]) {
      expect(parseScenarioText(withPriority(priority), FILE).ok).toBe(true);
    }
  });
});
