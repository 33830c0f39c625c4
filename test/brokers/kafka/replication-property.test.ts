// Property: with acks=all, RF 3 and min.insync.replicas 2, no crash of a single broker (process or host) ever loses a confirmed record, whatever the timing, load and latency between brokers.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulate } from "../../../src/index.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";

const singleCrash = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  partitions: fc.integer({ min: 1, max: 4 }),
  node: fc.integer({ min: 1, max: 3 }),
  crashAtMicros: fc.integer({ min: 100_000, max: 2_900_000 }),
  restartAfterMicros: fc.option(fc.integer({ min: 1, max: 15_000_000 }), { nil: null }),
  brokerLatencyMicros: fc.integer({ min: 0, max: 5_000 }),
  mode: fc.constantFrom("process", "host"),
  latencyMicros: fc.integer({ min: 0, max: 2_000 }),
  rate: fc.integer({ min: 50, max: 800 }),
  // Short enough that the controller fences the broker and moves leaderships before the run heals it at 3 s.
  sessionTimeoutMs: fc.integer({ min: 50, max: 1_500 }),
  lagTimeMaxMs: fc.integer({ min: 50, max: 3_000 }),
});

describe("kafka replication property", () => {
  it("acks=all with min.insync.replicas 2 of RF 3: a single broker crash, process or host, loses nothing confirmed", () => {
    fc.assert(
      fc.property(singleCrash, (c) => {
        const fault: Record<string, unknown> = {
          at: `${c.crashAtMicros}us`,
          crash: "broker",
          target: `broker/${c.node}`,
          mode: c.mode,
        };
        if (c.restartAfterMicros !== null) fault.restartAfter = `${c.restartAfterMicros}us`;
        const result = simulate(
          parsed(
            scenarioInput({
              seed: c.seed,
              duration: "3s",
              drainTimeout: "10m",
              broker: {
                profile: "kafka",
                partitions: c.partitions,
                brokers: 3,
                brokerLatency: `${c.brokerLatencyMicros}us`,
                settings: {
                  "default.replication.factor": 3,
                  "min.insync.replicas": 2,
                  "group.initial.rebalance.delay.ms": 0,
                  "broker.session.timeout.ms": c.sessionTimeoutMs,
                  "replica.lag.time.max.ms": c.lagTimeMaxMs,
                },
              },
              network: { latency: `${c.latencyMicros}us` },
              producers: [{ name: "p", rate: `${c.rate}/s`, keys: { count: 100 } }],
              consumers: [{ group: "g", instances: 2, processing: { dist: "exponential", mean: "500us" } }],
              faults: [fault],
            }),
          ),
        );
        const counts = result.counts;
        expect(result.faults.map((f) => f.target)).toEqual([`broker/${c.node}`]);
        expect(counts.lost).toBe(0);
        expect(counts.unexpected).toBe(0);
        expect(counts.consumed + counts.pending).toBe(counts.published - counts.rejected);
      }),
      { numRuns: 25, seed: 20_240_601 },
    );
  });
});
