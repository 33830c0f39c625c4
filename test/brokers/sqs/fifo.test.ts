// Proves the FIFO queue: the message key is the MessageGroupId, a group with a message in flight is blocked while other groups proceed, and a receive returns a group's messages together and in order (throttling: throttling.test.ts).
import { describe, expect, it } from "vitest";
import { deterministicFifo, run } from "./run.js";

/** Producer a has no key (the default group, partition 0); producer b uses key 0 (partition 1). */
const twoGroups = [
  { name: "a", arrival: { process: "constant", rate: "10/s" }, limit: 3 },
  { name: "b", arrival: { process: "constant", rate: "10/s" }, limit: 3, keys: { count: 1 } },
];

describe("sqs-fifo queue", () => {
  it("blocks a group while its message is in flight, even with idle consumers, while another group proceeds", () => {
    const { log, result } = run({
      duration: "1s",
      drainTimeout: "1m",
      broker: { profile: "sqs-fifo", settings: deterministicFifo },
      producers: twoGroups,
      consumers: [{ group: "g", instances: 2, processing: "50ms" }],
      faults: [{ at: "120ms", crash: "consumer", target: "g/1" }],
      expect: { ordering: "per-partition" },
    });
    // g/1 (c0) dies holding m0, the head of the default group: that group waits out the 30 s
    // visibility timeout while group b's messages flow through c1.
    expect(log.lines.filter((line) => /delivered|consumed|fault/.test(line))).toEqual([
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=100000 delivered m1 g0 c1 waited 0",
      "t=120000 fault consumer-crash g/1 began",
      "t=150000 consumed m1 g0 c1 x1",
      "t=200000 delivered m3 g0 c1 waited 0",
      "t=250000 consumed m3 g0 c1 x1",
      "t=300000 delivered m5 g0 c1 waited 0",
      "t=350000 consumed m5 g0 c1 x1",
      "t=1000000 fault consumer-crash g/1 ended",
      "t=30100000 delivered m0 g0 c1 waited 30000000 attempt 2",
      "t=30150000 consumed m0 g0 c1 x1",
      // One at a time, in order: the group is blocked again while each is in flight.
      "t=30150000 delivered m2 g0 c0 waited 29950000",
      "t=30200000 consumed m2 g0 c0 x1",
      "t=30200000 delivered m4 g0 c1 waited 29900000",
      "t=30250000 consumed m4 g0 c1 x1",
    ]);
    expect(result.outOfOrder).toBe(0);
    expect(result.counts).toMatchObject({ consumed: 6, duplicated: 0, lost: 0 });
  });

  it("returns a group's visible messages together and in order, filling up from other groups", () => {
    const { log } = run({
      duration: "1s",
      broker: { profile: "sqs-fifo", settings: { ...deterministicFifo, MaxNumberOfMessages: 10, DelaySeconds: 1 } },
      producers: twoGroups,
      consumers: [{ group: "g", instances: 2, processing: "100ms" }],
    });
    expect(log.matching("delivered")).toEqual([
      // m0 (default group) and m1 (group b) become visible together; one receive takes both groups.
      "t=1100000 delivered m0 g0 c0 waited 1000000",
      "t=1100000 delivered m1 g0 c0 waited 1000000",
      "t=1200000 delivered m2 g0 c1 waited 1000000",
      // Group b's m3 and m5 waited behind m1; they come together, in order, then the default group's m4.
      "t=1300000 delivered m3 g0 c0 waited 1100000",
      "t=1300000 delivered m5 g0 c0 waited 1000000",
      "t=1300000 delivered m4 g0 c0 waited 1000000",
    ]);
  });

  it("keeps per-group order with many consumers, batches, latency and a consumer crash", () => {
    const { result } = run({
      duration: "5s",
      drainTimeout: "2m",
      broker: { profile: "sqs-fifo", settings: { MaxNumberOfMessages: 10 } },
      network: { latency: { dist: "lognormal", median: "5ms", p99: "20ms" } },
      producers: [{ name: "p", rate: "250/s", keys: { count: 20, dist: "zipf", s: 1.1 } }],
      consumers: [{ group: "g", instances: 6, processing: { dist: "exponential", mean: "4ms" } }],
      faults: [{ at: "2s", crash: "consumer", target: "g/2", restartAfter: "1s" }],
      expect: { ordering: "per-partition" },
    });
    expect(result.counts.consumed).toBe(result.counts.published);
    expect(result.outOfOrder).toBe(0);
    expect(result.counts.duplicated + result.counts.lost + result.counts.pending).toBe(0);
  });
});
