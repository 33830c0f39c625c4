import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonSchemaText } from "../../src/scenario/json-schema.js";
import { runCli } from "../helpers/cli.js";

const queuesim = runCli;

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "queuesim-cli-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const valid = (name: string, expect = "delivery: exactly-once") => `name: ${name}
duration: 5s
broker: {profile: fifo}
producers: [{name: p, rate: 200/s}]
consumers: [{group: g, processing: 1ms}]
expect: {${expect}}
`;

describe("queuesim CLI", () => {
  it("runs a scenario, writes summary.json and exits 0 when expectations hold", () => {
    const dir = workspace({ "ok.yaml": valid("ok") });
    const { code, stdout } = queuesim(["run", "ok.yaml"], dir);
    expect(code).toBe(0);
    expect(stdout).toContain("PASS  delivery: exactly-once");
    expect(stdout).toContain(`report in ${join("reports", "ok")}/ (open index.html)`);
    const summary = JSON.parse(readFileSync(join(dir, "reports", "ok", "summary.json"), "utf8"));
    expect(summary).toMatchObject({ scenario: "ok", seed: 1, profile: "fifo", passed: true });
  });

  it("exits 1 with a replay command when an expectation fails", () => {
    const dir = workspace({ "slow.yaml": valid("slow", "latency: {p99: 100us}") });
    const { code, stdout } = queuesim(["run", "slow.yaml", "--seed", "9"], dir);
    expect(code).toBe(1);
    expect(stdout).toContain("FAIL  latency.p99");
    expect(stdout).toContain("(expected <= 100us)");
    expect(stdout).toContain("replay: queuesim run slow.yaml --seed 9");
    expect(JSON.parse(readFileSync(join(dir, "reports", "slow", "summary.json"), "utf8")).seed).toBe(9);
  });

  it("warns, and still runs, when a profile adjusts a setting as the real client would", () => {
    const adjusted = `name: adjusted
duration: 1s
broker: {profile: kafka, settings: {request.timeout.ms: 150000}}
producers: [{name: p, rate: 10/s}]
consumers: [{group: g, processing: 1ms}]
`;
    const dir = workspace({ "adjusted.yaml": adjusted });
    const { code, stderr } = queuesim(["run", "adjusted.yaml"], dir);
    expect(code).toBe(0);
    expect(stderr).toContain("warning in adjusted.yaml:");
    expect(stderr).toContain("broker.settings.delivery.timeout.ms: the default delivery.timeout.ms (120000)");
    expect(stderr).toContain("raised to 150005");
  });

  it("exits 2 on a bad file, names file:line:column, prints no stack, and writes no report", () => {
    const dir = workspace({ "good.yaml": valid("good"), "bad.yaml": valid("bad").replace("processing", "procesing") });
    const { code, stderr, stdout } = queuesim(["run", "good.yaml", "bad.yaml"], dir);
    expect(code).toBe(2);
    expect(stderr).toContain("bad.yaml:5:24");
    expect(stderr).toContain('did you mean "processing"?');
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(stdout).toBe("");
    expect(existsSync(join(dir, "reports"))).toBe(false);
  });

  it("prints summary.json with --json and honours --out", () => {
    const dir = workspace({ "ok.yaml": valid("ok") });
    const { code, stdout } = queuesim(["run", "ok.yaml", "--json", "--out", "elsewhere"], dir);
    expect(code).toBe(0);
    const printed = JSON.parse(stdout);
    expect(printed).toEqual(JSON.parse(readFileSync(join(dir, "elsewhere", "ok", "summary.json"), "utf8")));
  });

  it("refuses two scenarios whose reports would overwrite each other", () => {
    const dir = workspace({ "a.yaml": valid("same"), "b.yaml": valid("same") });
    const { code, stderr } = queuesim(["run", "a.yaml", "b.yaml"], dir);
    expect(code).toBe(2);
    expect(stderr).toContain('are both named "same"');
  });

  it("refuses a scenario name that could leave the report directory", () => {
    const dir = workspace({ "escape.yaml": valid("../../etc") });
    const { code, stderr } = queuesim(["run", "escape.yaml"], dir);
    expect(code).toBe(2);
    expect(stderr).toContain("escape.yaml:1:7  name:");
  });

  it("validates without running, and rejects bad options and commands with exit 2", () => {
    const dir = workspace({ "ok.yaml": valid("ok") });
    const validate = queuesim(["validate", "ok.yaml"], dir);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain("valid  ok.yaml (ok)");
    expect(existsSync(join(dir, "reports"))).toBe(false);
    expect(queuesim(["run", "ok.yaml", "--seed", "-3"], dir).code).toBe(2);
    expect(queuesim(["run", "ok.yaml", "--sed", "3"], dir).code).toBe(2);
    const typo = queuesim(["rn", "ok.yaml"], dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(`unknown command "rn". Did you mean run?`);
  });

  it("validate with only file names (bin.ts's quick path, without yargs) reports bad input with exit 2, and --help still reaches yargs", () => {
    const dir = workspace({ "ok.yaml": valid("ok"), "bad.yaml": "name: bad\nseed: x\n" });
    const quick = queuesim(["validate", "ok.yaml", "bad.yaml"], dir);
    expect(quick.code).toBe(2);
    expect(quick.stdout).toBe("");
    expect(quick.stderr).toMatch(/^5 problems in bad\.yaml:\n/);
    expect(quick.stderr).toContain('  bad.yaml:2:7  seed: expected a number, found "x"\n');
    expect(quick.stderr).not.toMatch(/\n\s+at /);
    // --help is yargs' own: the quick path leaves it alone.
    const help = queuesim(["validate", "--help"], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("check scenario files without running them");
  });

  it("writes the event trace as newline-delimited JSON with --trace", () => {
    const dir = workspace({
      "crash.yaml": `${valid("crash")}faults: [{at: 1s, crash: consumer, target: g/1, restartAfter: 1s}]\n`,
    });
    const { code } = queuesim(["run", "crash.yaml", "--trace", "events.ndjson"], dir);
    expect(code).toBe(0);
    const events = readFileSync(join(dir, "events.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events[0]).toEqual({ tMs: events[0].tMs, event: "publish", message: 0, producer: "p#1" });
    expect(events.filter((e) => e.event === "fault-start")).toEqual([
      { tMs: 1000, event: "fault-start", kind: "consumer-crash", target: "g/1" },
    ]);
    const times = events.map((e) => e.tMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(queuesim(["run", "crash.yaml", "crash.yaml", "--trace", "x.ndjson"], dir).code).toBe(2);
  });

  it("prints the JSON Schema: the package's file, byte for byte what the zod schema generates", () => {
    const { code, stdout } = queuesim(["schema"], workspace({}));
    expect(code).toBe(0);
    expect(JSON.parse(stdout).properties.broker).toBeDefined();
    expect(stdout).toBe(jsonSchemaText());
  });
});
