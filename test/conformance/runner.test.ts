// Proves the conformance runner's verdicts with a fake broker: agreement, disagreement, known, errors, timeouts, and that tear-down always runs.
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { BrokerSuite, Experiment } from "../../conformance/lib/experiment.js";
import { runSuite } from "../../conformance/lib/runner.js";
import { defer } from "../../conformance/lib/scope.js";

/** Five messages through a fifo queue: consumed 5. */
const scenario = () => ({
  name: "fake",
  duration: "1s",
  broker: { profile: "fifo" },
  producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 5 }],
  consumers: [{ group: "g", processing: "1ms" }],
});

function experiment(id: string, real: () => Promise<Record<string, number>>, extra: Partial<Experiment<string>> = {}) {
  return {
    id: `fake/${id}`,
    title: id,
    description: id,
    behaviour: "test",
    real,
    scenario,
    simulated: (run) => ({ consumed: run.summary.messages.consumed }),
    rules: { consumed: { kind: "exact" } },
    ...extra,
  } satisfies Experiment<string>;
}

const events: string[] = [];
const suite: BrokerSuite<string> = {
  broker: "redis",
  setUp: async () => "fixture",
  tearDown: async (fixture) => {
    events.push(`tear-down ${fixture}`);
  },
  version: () => "0.0.1",
  experiments: [
    experiment("agrees", async () => ({ consumed: 5 })),
    experiment("disagrees", async () => ({ consumed: 4 })),
    experiment("known", async () => ({ consumed: 4 }), { known: { figures: ["consumed"], reason: "not modelled" } }),
    experiment("throws", async () => {
      throw new Error("broker unreachable");
    }),
    experiment(
      "hangs",
      () => {
        defer(() => {
          events.push("hangs cleaned up");
        });
        return new Promise(() => {});
      },
      { timeoutMs: 100 },
    ),
    experiment("invalid", async () => ({ consumed: 5 }), { scenario: () => ({ ...scenario(), duration: 60 }) }),
  ],
};

const quiet = { verbose: false, print: () => {} };
const keptDirs: string[] = [];
afterAll(() => {
  for (const dir of keptDirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs the suite and remembers the directory it keeps after a failure, to remove it. */
async function run(...args: Parameters<typeof runSuite<string>>) {
  const report = await runSuite(...args);
  if (report.keptDir) keptDirs.push(report.keptDir);
  return report;
}

describe("runSuite", () => {
  it("judges each experiment, turns failures into error verdicts and always tears down", async () => {
    const report = await run(suite, quiet);
    const verdicts = Object.fromEntries(report.results.map((r) => [r.verdict.id, r.verdict]));
    expect(report.version).toBe("0.0.1");
    expect(verdicts["fake/agrees"]?.verdict).toBe("agree");
    expect(verdicts["fake/disagrees"]?.verdict).toBe("disagree");
    expect(verdicts["fake/known"]).toMatchObject({ verdict: "known", knownReason: "not modelled" });
    expect(verdicts["fake/throws"]).toMatchObject({ verdict: "error", error: "broker unreachable" });
    expect(verdicts["fake/hangs"]).toMatchObject({ verdict: "error", error: "the real side timed out after 100 ms" });
    expect(verdicts["fake/invalid"]?.verdict).toBe("error");
    expect(verdicts["fake/invalid"]?.error).toMatch(/does not validate[\s\S]*duration/);
    expect(events).toEqual(["hangs cleaned up", "tear-down fixture"]);
  });

  it("runs only the experiments asked for, and none (no set-up) when nothing matches", async () => {
    const only = await run(suite, { ...quiet, only: "fake/agrees" });
    expect(only.results.map((r) => r.verdict.id)).toEqual(["fake/agrees"]);
    const none = await run(
      { ...suite, setUp: () => Promise.reject(new Error("must not start")) },
      { ...quiet, only: "x" },
    );
    expect(none.results).toEqual([]);
  });

  it("gives every experiment an error verdict when set-up fails", async () => {
    const broken = { ...suite, setUp: () => Promise.reject(new Error("port in use")) };
    const report = await run(broken, quiet);
    expect(report.results.map((r) => r.verdict.verdict)).toEqual(Array(6).fill("error"));
    expect(report.results[0]?.verdict.error).toBe("set-up failed: port in use");
  });
});
