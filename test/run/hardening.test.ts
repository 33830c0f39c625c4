// Proves the guards around a run change nothing it computes and hold where they promise: an interruptible
// run gives the same bytes as a plain one and stops when its signal aborts; the up-front event estimate is a
// lower bound (a scenario given exactly the events it uses is never refused); the memory budget stops a run.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { BudgetExceeded } from "../../src/engine/simulation.js";
import { runScenario, runScenarioInterruptibly } from "../../src/pipeline/run-scenario.js";
import { MemoryBudgetExceeded } from "../../src/run/memory.js";
import { validateScenario } from "../../src/scenario/load.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

// 400,000+ events: the run pauses a handful of times at the engine's progress interval (65,536 events).
const busy = scenarioInput({
  duration: "30s",
  warmup: "auto",
  network: { latency: { dist: "lognormal", median: "200us", p99: "3ms" } },
  producers: [{ name: "p", instances: 2, rate: "2000/s", keys: { count: 50, dist: "zipf" } }],
  consumers: [{ group: "g", instances: 2, processing: { dist: "exponential", mean: "400us" } }],
  faults: [{ every: "5s", crash: "consumer", target: "g/1", restartAfter: "1s" }],
  expect: { delivery: "at-least-once" },
});

describe("an interruptible run", () => {
  it("gives byte-identical results to a plain run, automatic warm-up included", async () => {
    const scenario = parsed(busy);
    const plain = runScenario(scenario, { series: "auto" });
    const paused = await runScenarioInterruptibly(scenario, { series: "auto" }, new AbortController().signal);
    expect(plain.result.events).toBeGreaterThan(4 * 65_536);
    expect(JSON.stringify(paused.summary)).toBe(JSON.stringify(plain.summary));
    expect(JSON.stringify(paused.result.series)).toBe(JSON.stringify(plain.result.series));
  });

  it("stops with the signal's reason when it aborts", async () => {
    const controller = new AbortController();
    const reason = new Error("interrupted");
    let progressCalls = 0;
    const run = runScenarioInterruptibly(
      parsed(busy),
      {
        onProgress: () => {
          if (++progressCalls === 2) controller.abort(reason);
        },
      },
      controller.signal,
    );
    await expect(run).rejects.toBe(reason);
    expect(progressCalls).toBe(2);
  });
});

describe("the up-front event estimate", () => {
  const examples = ["work-queue.yaml", "kafka-autocommit-crash.yaml", "sqs-visibility-timeout.yaml"];
  it.each(examples)("is a lower bound: %s with limits.maxEvents set to the events it runs still validates", (name) => {
    const data = parseYaml(readFileSync(join(import.meta.dirname, "..", "..", "scenarios", name), "utf8"));
    const events = runScenario(parsed(data)).result.events;
    expect(validateScenario({ ...data, limits: { maxEvents: events } }).ok).toBe(true);
    // And the estimate is not vacuous: a budget a hundredth of the real count is refused up front.
    const tight = validateScenario({ ...data, limits: { maxEvents: Math.floor(events / 100) } });
    expect(tight).toMatchObject({ ok: false, issues: [{ message: expect.stringContaining("limits.maxEvents") }] });
  });
});

describe("the memory budget", () => {
  it("stops a run that outgrows limits.maxMemory with a BudgetExceeded naming it", () => {
    const scenario = parsed({ ...busy, warmup: 0, limits: { maxMemory: "1MB" } });
    let caught: unknown;
    try {
      runScenario(scenario);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MemoryBudgetExceeded);
    expect(caught).toBeInstanceOf(BudgetExceeded);
    expect((caught as Error).message).toMatch(
      /^the run used \d+ MB of memory after 65536 events .* past limits\.maxMemory \(1 MB\)/,
    );
  });
});
