// Proves the throughput effect of batching against theory (a fixed per-batch overhead is shared by the batch: a saturated worker consumes n / (overhead + n × processing) per second) and that batch runs are reproducible byte for byte.
import { describe, expect, it } from "vitest";
import { runScenario, simulate } from "../../src/index.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const OVERHEAD_MS = 20;
const PROCESSING_MS = 1;
const DURATION_S = 20;

/** One worker, always behind (2,000 messages/s offered), batches of `size` with a fixed 20 ms overhead. */
function consumedPerSecond(size: number): number {
  const input = scenarioInput({
    duration: `${DURATION_S}s`,
    drainTimeout: "0s",
    broker: { profile: "fifo" },
    producers: [{ name: "p", arrival: { process: "constant", rate: "2000/s" } }],
    consumers: [
      {
        group: "g",
        processing: `${PROCESSING_MS}ms`,
        batch: { size, wait: 0, overhead: `${OVERHEAD_MS}ms` },
      },
    ],
  });
  const result = simulate(parsed(input));
  return result.consumedDuringRun / DURATION_S;
}

describe("batching and throughput", () => {
  it.each([1, 5, 10, 50])("batches of %i: throughput n / (overhead + n × processing) within 1%%", (size) => {
    const theory = size / ((OVERHEAD_MS + size * PROCESSING_MS) / 1000);
    // Service is deterministic and the worker never idles after its first batch, so the only error is the batch under
    // way when the run ends and the first batches (taken before the backlog filled them): under 2 batches of the
    // 20 s, i.e. under 1% for every size here (worst: 2 × 70 ms / 20 s = 0.7% at size 50).
    expect(Math.abs(consumedPerSecond(size) - theory) / theory).toBeLessThan(0.01);
  });

  it("throughput rises with batch size while the overhead dominates", () => {
    const rates = [1, 5, 10, 50].map(consumedPerSecond);
    for (let index = 1; index < rates.length; index++) expect(rates[index]!).toBeGreaterThan(rates[index - 1]! * 1.3);
  });
});

describe("batch runs are deterministic", () => {
  const crashing = scenarioInput({
    duration: "10s",
    drainTimeout: "2m",
    broker: { profile: "sqs", settings: { MaxNumberOfMessages: 10, WaitTimeSeconds: 20 } },
    network: { latency: { dist: "lognormal", median: "5ms", p99: "30ms" } },
    producers: [{ name: "p", rate: "200/s", batch: { size: 10, linger: "10ms" } }],
    consumers: [
      {
        group: "g",
        instances: 3,
        processing: { dist: "exponential", mean: "2ms" },
        batch: { size: 10, wait: "20ms", overhead: { dist: "exponential", mean: "5ms" } },
      },
    ],
    faults: [{ every: { dist: "exponential", mean: "3s" }, crash: "consumer", target: "g/*", restartAfter: "500ms" }],
  });

  it("gives byte-identical summaries for the same scenario and seed", () => {
    const first = JSON.stringify(runScenario(parsed(crashing)).summary);
    expect(JSON.stringify(runScenario(parsed(crashing)).summary)).toBe(first);
    const summary = JSON.parse(first);
    expect(summary.batches.g.batches).toBeGreaterThan(100);
    expect(summary.batches.g.abandoned).toBeGreaterThan(0);
    expect(summary.publishBatches.p.batches).toBeGreaterThan(100);
    expect(summary.messages.lost).toBe(0);
  });
});
