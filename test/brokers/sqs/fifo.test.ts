// Proves the FIFO queue: the message key is the MessageGroupId, a group with a message in flight is blocked while other groups proceed, a receive returns a group's messages together and in order, and SendMessage is throttled to 300/s.
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

  it("throttles SendMessage to 300 per second by blocking producers", () => {
    const scenario = (rate: string) => ({
      duration: "2s",
      broker: { profile: "sqs-fifo", settings: deterministicFifo },
      producers: [{ name: "p", arrival: { process: "constant", rate } }],
      consumers: [{ group: "g", instances: 2, processing: "1ms" }],
    });
    const under = run(scenario("250/s"));
    expect(under.result.blockedMicros).toBe(0);
    const { log, result } = run(scenario("500/s"));
    const acceptedAt = log.matching("accepted").map((line) => Number(line.split(" ")[0]!.slice(2)));
    expect(acceptedAt.filter((t) => t < 1_000_000)).toHaveLength(300);
    expect(acceptedAt.filter((t) => t < 2_000_000)).toHaveLength(600);
    let busiestSecond = 0;
    acceptedAt.forEach((start, first) => {
      const within = acceptedAt.slice(first).filter((t) => t < start + 1_000_000).length;
      busiestSecond = Math.max(busiestSecond, within);
    });
    expect(busiestSecond).toBe(300);
    // Nothing is refused or lost: the backlog is sent after the producers stop creating.
    expect(result.counts).toMatchObject({ published: 999, accepted: 999, rejected: 0, lost: 0 });
    // The 301st send in the first second is refused; each later one waits for the oldest to leave the window.
    const gateLines = log.lines.filter((line) => /blocked|accepted m(299|30[0-2])$/.test(line));
    expect(gateLines.slice(0, 11)).toEqual([
      "t=600000 accepted m299",
      "t=602000 blocked",
      "t=1002000 unblocked",
      "t=1002000 accepted m300",
      "t=1002000 blocked",
      "t=1004000 unblocked",
      "t=1004000 accepted m301",
      "t=1004000 blocked",
      "t=1006000 unblocked",
      "t=1006000 accepted m302",
      "t=1006000 blocked",
    ]);
    expect(result.blockedMicros).toBeGreaterThan(1_000_000);
  });
});
