// Proves every hostile command line (bad numbers, bare flags, unknown profiles, bad paths, broken shards,
// budgets past their limit) exits 2 with one clear message naming the flag or limit, no stack trace, and
// nothing written: a table of invocations run in this process through the CLI's own entry (runCommandLine).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCommandLine } from "../../src/cli/main.js";

const scenario = (name: string, extra = "") => `name: ${name}
duration: 2s
broker: {profile: fifo}
producers: [{name: p, rate: 100/s}]
consumers: [{group: g, processing: 1ms}]
${extra}`;

const files: Record<string, string> = {
  "ok.yaml": scenario("ok"),
  "few-runs.yaml": scenario("few", "limits: {maxRuns: 3}\n"),
  // 40,000 messages: past the engine's first progress check (65,536 events), where memory is measured.
  "memory.yaml": scenario("memory", "limits: {maxMemory: 1MB}\n").replace("100/s", "20000/s"),
  afile: "not a directory\n",
  "adir/readme.txt": "an empty report folder\n",
  "truncated/shard-1-of-2.json": '{"scenario": "ok", "parameters": ["dura',
  "stray/shard-1-of-1.json": `${JSON.stringify({
    scenario: "ok",
    parameters: ["duration"],
    points: 2,
    replications: 1,
    results: [0, 1, 7].map((index) => ({ index, values: ["1s"], replications: [{ "throughput.consumed": 1 }] })),
  })}\n`,
  "noparams/shard-1-of-2.json": '{"scenario": "ok", "points": 2, "replications": 1, "results": []}\n',
};

/** [command line, words the message must contain]. */
const cases: [string[], string][] = [
  [["run", "ok.yaml", "--replications", "0"], '--replications: expected an integer from 1 to 1000000, found "0"'],
  [["run", "ok.yaml", "--replications", "-1"], 'found "-1"'],
  [["run", "ok.yaml", "--replications", "abc"], 'found "abc"'],
  [["run", "ok.yaml", "--replications", "1e9"], 'found "1e9"'],
  [["run", "ok.yaml", "--replications", "2.5"], 'found "2.5"'],
  [["run", "ok.yaml", "--workers", "0"], '--workers: expected an integer from 1 to 1024, found "0"'],
  [["run", "ok.yaml", "--replications", "2", "--workers", "many"], 'found "many"'],
  [["run", "ok.yaml", "--replications", "2", "--max-replications", "1"], "--max-replications: expected an integer"],
  [["run", "ok.yaml", "--seed"], "--seed: expected an integer from 0 to 4294967295, found nothing"],
  [["run", "ok.yaml", "--seed", ""], "--seed: expected an integer from 0 to 4294967295, found nothing"],
  [["run", "ok.yaml", "--seed", "4294967296"], 'found "4294967296"'],
  [["run", "ok.yaml", "--out", ""], "--out: expected a path, found nothing"],
  [["run", "ok.yaml", "--replications", "2", "--precision", "5"], "--precision takes a percentage like 2%"],
  [
    ["run", "ok.yaml", "--replications", "2", "--precision", "5%", "--metric", "latency.p99"],
    "is not a replication metric",
  ],
  [["run", "few-runs.yaml", "--replications", "4"], "limits.maxRuns is 3"],
  [["compare", "ok.yaml", "--seed", "abc"], '--seed: expected an integer from 0 to 4294967295, found "abc"'],
  [["compare", "ok.yaml", "--broker", "kafak={partitions: 2}"], 'no profile is named "kafak"; did you mean "kafka"?'],
  [["compare", "ok.yaml", "--profiles", "fifo", "--broker", "kafka={partitions: 2}"], "kafka is not among"],
  [["compare", "ok.yaml", "--broker", "kafka"], "--broker takes profile={...}"],
  [["compare", "ok.yaml", "--profiles", "fifo,kafak"], 'did you mean "kafka"?'],
  [["compare", "ok.yaml", "--profiles", ","], '--profiles: expected comma-separated profile names, found ","'],
  [["compare", "ok.yaml", "--profiles", "fifo,fifo"], '"fifo" asked for twice'],
  [["sweep", "ok.yaml", "--param", "duration=1s", "--find", "x"], '--find takes "metric < value"'],
  [["sweep", "ok.yaml"], "name at least one --param path=values"],
  [["compare", "ok.yaml", "--replications", "0"], "--replications: expected an integer from 1"],
  [["explore", "ok.yaml", "--runs", "0"], '--runs: expected an integer from 1 to 1000000, found "0"'],
  [["explore", "ok.yaml", "--max-faults", "two"], '--max-faults: expected an integer from 1 to 1000000, found "two"'],
  [["explore", "ok.yaml", "--seed", "-1"], '--seed: expected an integer from 0 to 4294967295, found "-1"'],
  [["compare", "few-runs.yaml", "--profiles", "fifo,kafka", "--replications", "2"], "limits.maxRuns is 3"],
  [["sweep", "ok.yaml", "--param", "duration=1s", "--replications", "0"], "--replications: expected an integer"],
  [["sweep", "ok.yaml", "--param", "duration=1s", "--shard", "3/2"], "--shard takes i/n with 1 <= i <= n"],
  [["sweep", "ok.yaml", "--param", "duration=1..1000000000"], "the range 1..1000000000 has 1000000000 values"],
  [["sweep", "ok.yaml", "--param", "duration"], "expected path=values"],
  [["sweep", "ok.yaml", "--param", 'description=["a, b'], "is not valid YAML"],
  [["sweep", "few-runs.yaml", "--param", "duration=1s,2s,3s,4s"], "(4 points × 1 replication(s)); limits.maxRuns is 3"],
  [["sweep", "ok.yaml", "--param", "duration=1s,2s", "--workers", "-2"], "--workers: expected an integer"],
  [["run", "ok.yaml", "--out", "afile"], "--out afile: is a file; give a directory"],
  [["run", "ok.yaml", "--out", "afile/reports"], "needs"],
  [["compare", "ok.yaml", "--out", "afile"], "--out afile: is a file"],
  [["sweep", "ok.yaml", "--param", "duration=1s", "--out", "afile"], "--out afile: is a file"],
  [["run", "ok.yaml", "--trace", "adir"], "--trace adir: is a directory"],
  [["run", "ok.yaml", "--trace", "missing/events.ndjson"], "does not exist"],
  [["run", "ok.yaml", "--trace", "./ok.yaml"], "is the scenario file itself"],
  [["merge", "stray"], "point 7 does not belong to a sweep of 2 points"],
  [["merge", "missing"], "merge missing: no such file or directory"],
  [["merge", "afile"], "merge afile: not a directory"],
  [["merge", "truncated"], "not complete JSON (was the file cut short?)"],
  [["merge", "noparams"], "not a sweep shard: parameters"],
  [["merge", "adir"], "adir holds no shard-*-of-*.json files"],
  [["run", "memory.yaml"], "past limits.maxMemory (1 MB)"],
  [["run", "memory.yaml", "--replications", "2", "--workers", "2"], "past limits.maxMemory (1 MB)"],
];
if (existsSync("/proc/1")) {
  // A folder of the kernel's, where no directory can be made: refused at once (it used to hang).
  cases.push([["run", "ok.yaml", "--out", "/proc/1/reports"], "cannot create files in /proc/1"]);
}

describe("hostile command lines", () => {
  let dir = "";
  let before: string[] = [];
  const home = process.cwd();
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "queuesim-hostile-cli-"));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, ".."), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    before = listing(dir);
    process.chdir(dir);
  });
  afterAll(() => process.chdir(home));

  it("the table holds enough cases that, with the scenario corpus, at least 50 bad inputs are covered", () => {
    const corpus = readdirSync(join(import.meta.dirname, "..", "scenario", "hostile"));
    expect(cases.length + corpus.length).toBeGreaterThanOrEqual(50);
  });

  it.each(cases)("queuesim %j exits 2 saying so, writes nothing", async (argv, words) => {
    const errors: string[] = [];
    const printed: string[] = [];
    const error = vi.spyOn(console, "error").mockImplementation((...parts) => void errors.push(parts.join(" ")));
    const log = vi.spyOn(console, "log").mockImplementation((...parts) => void printed.push(parts.join(" ")));
    let code: number;
    try {
      code = await runCommandLine(argv);
    } finally {
      error.mockRestore();
      log.mockRestore();
    }
    const message = errors.join("\n");
    expect(code, message).toBe(2);
    expect(message).toContain(words);
    expect(message).not.toMatch(/\n\s+at /);
    expect(message).not.toContain("internal error");
    expect(printed).toEqual([]);
    expect(listing(dir)).toEqual(before);
  });

  it("compare --seed abc is one message, not one per profile", async () => {
    const errors: string[] = [];
    const error = vi.spyOn(console, "error").mockImplementation((...parts) => void errors.push(parts.join(" ")));
    try {
      await runCommandLine(["compare", "ok.yaml", "--seed", "abc"]);
    } finally {
      error.mockRestore();
    }
    expect(errors.join("\n").match(/expected an integer/g)?.length).toBe(1);
  });
});

/** Every file and folder under `root`, relative, sorted: what a command left behind. */
function listing(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: "utf8" }).sort();
}
