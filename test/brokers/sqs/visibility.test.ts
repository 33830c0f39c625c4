// Proves SQS's visibility timeout rules: an overrun gives a parallel duplicate, an old receipt handle deletes only sometimes (standard) or never (FIFO), and failures or crashes bring a message back when the rules say.
import { describe, expect, it } from "vitest";
import { deterministic, deterministicFifo, oneMessage, run } from "./run.js";

describe("sqs visibility timeout", () => {
  it("processing 40 s with a 30 s visibility timeout yields a parallel duplicate; an old handle that deletes nothing brings it back", () => {
    const { log, result } = run({
      duration: "2s",
      drainTimeout: "70s",
      broker: { profile: "sqs", settings: deterministic },
      producers: oneMessage,
      consumers: [{ group: "g", instances: 2, processing: "40s" }],
    });
    // c1 receives the message while c0 still works on it; c0's delete at 41 s carries an old receipt
    // handle, so the message comes back again at 61 s (30 s after c1's receive).
    expect(log.lines).toEqual([
      "t=1000000 published m0",
      "t=1000000 accepted m0",
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=31000000 delivered m0 g0 c1 waited 30000000 attempt 2",
      "t=41000000 effect m0 g0 c0 x1",
      "t=41000000 consumed m0 g0 c0 x1",
      "t=61000000 delivered m0 g0 c0 waited 60000000 attempt 3",
      "t=71000000 effect m0 g0 c1 x2",
      "t=71000000 consumed m0 g0 c1 x2",
    ]);
    expect(result.counts).toMatchObject({ deliveries: 3, duplicated: 1, sideEffectsRepeated: 1, lost: 0 });
  });

  it("an old receipt handle that does delete (staleReceiptDeleteProbability 1) takes the message from its new holder", () => {
    const { log, result } = run({
      duration: "2s",
      drainTimeout: "70s",
      broker: { profile: "sqs", settings: { ...deterministic, staleReceiptDeleteProbability: 1 } },
      producers: oneMessage,
      consumers: [{ group: "g", instances: 2, processing: "40s" }],
    });
    // c0's delete at 41 s carries the handle of the first receive, yet deletes the message c1 holds:
    // no third receive, and c1's own delete at 71 s finds nothing left.
    expect(log.lines.slice(2)).toEqual([
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=31000000 delivered m0 g0 c1 waited 30000000 attempt 2",
      "t=41000000 effect m0 g0 c0 x1",
      "t=41000000 consumed m0 g0 c0 x1",
      "t=71000000 effect m0 g0 c1 x2",
      "t=71000000 consumed m0 g0 c1 x2",
    ]);
    expect(result.counts).toMatchObject({ deliveries: 2, duplicated: 1, pending: 0 });
  });

  it("an old receipt handle deletes with probability staleReceiptDeleteProbability (0.5 by default)", () => {
    // 400 jobs, each overrunning once: its first holder's delete is the only old-handle delete that can
    // come before a third receive, so the share of jobs received exactly twice estimates the probability.
    const { log } = run({
      duration: "401s",
      drainTimeout: "3m",
      broker: { profile: "sqs", settings: { WaitTimeSeconds: 20, duplicateProbability: 0, reorderWindow: 1 } },
      producers: [{ name: "p", arrival: { process: "constant", rate: "1/s" }, limit: 400 }],
      consumers: [{ group: "g", instances: 200, processing: "40s" }],
    });
    const receives = new Map<string, number>();
    for (const line of log.matching("delivered")) {
      const message = line.split(" ")[2]!;
      receives.set(message, (receives.get(message) ?? 0) + 1);
    }
    const twice = [...receives.values()].filter((count) => count === 2).length / receives.size;
    // Binomial(400, 0.5): standard deviation 0.025; 4 of them leave a false failure below 1 in 10,000.
    expect(receives.size).toBe(400);
    expect(Math.abs(twice - 0.5)).toBeLessThan(0.1);
  });

  it("on FIFO an old receipt handle never deletes: the delete comes after its visibility window", () => {
    const { log } = run({
      duration: "2s",
      drainTimeout: "70s",
      broker: { profile: "sqs-fifo", settings: deterministicFifo },
      producers: oneMessage,
      consumers: [{ group: "g", instances: 2, processing: "40s" }],
    });
    expect(log.matching("delivered")).toEqual([
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=31000000 delivered m0 g0 c1 waited 30000000 attempt 2",
      "t=61000000 delivered m0 g0 c0 waited 60000000 attempt 3",
    ]);
  });

  it("deletes a message whose timeout ran out if nobody received it since (standard), but not on FIFO", () => {
    const single = { duration: "2s", drainTimeout: "45s", producers: oneMessage };
    const consumers = [{ group: "g", processing: "40s" }];
    const standard = run({ ...single, broker: { profile: "sqs", settings: deterministic }, consumers });
    expect(standard.log.lines.slice(2)).toEqual([
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=41000000 effect m0 g0 c0 x1",
      "t=41000000 consumed m0 g0 c0 x1",
    ]);
    expect(standard.result.counts).toMatchObject({ deliveries: 1, duplicated: 0, pending: 0 });
    const fifo = run({ ...single, broker: { profile: "sqs-fifo", settings: deterministicFifo }, consumers });
    expect(fifo.log.lines.slice(2)).toEqual([
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=41000000 effect m0 g0 c0 x1",
      "t=41000000 consumed m0 g0 c0 x1",
      "t=41000000 delivered m0 g0 c0 waited 40000000 attempt 2",
    ]);
  });

  it("ChangeMessageVisibility 0 on failure makes the message visible at once", () => {
    const { log } = run({
      duration: "2s",
      drainTimeout: "1500ms",
      broker: { profile: "sqs", settings: { ...deterministic, visibilityTimeoutOnFailure: 0 } },
      producers: oneMessage,
      consumers: [{ group: "g", processing: "1s" }],
      faults: [{ poison: { fraction: 1 } }],
    });
    expect(log.lines).toEqual([
      "t=1000000 published m0",
      "t=1000000 accepted m0",
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=2000000 delivered m0 g0 c0 waited 1000000 attempt 2",
      "t=3000000 delivered m0 g0 c0 waited 2000000 attempt 3",
    ]);
  });

  it("by default (visibilityTimeoutOnFailure null) a failed message waits out its timeout", () => {
    const { log } = run({
      duration: "2s",
      drainTimeout: "40s",
      broker: { profile: "sqs", settings: deterministic },
      producers: oneMessage,
      consumers: [{ group: "g", processing: "1s" }],
      faults: [{ poison: { fraction: 1 } }],
    });
    expect(log.matching("delivered")).toEqual([
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=31000000 delivered m0 g0 c0 waited 30000000 attempt 2",
    ]);
  });

  it("a crashed consumer's message comes back when its timeout ends, to another consumer", () => {
    const { log, result } = run({
      duration: "2s",
      drainTimeout: "1m",
      broker: { profile: "sqs", settings: deterministic },
      producers: oneMessage,
      consumers: [{ group: "g", instances: 2, processing: "5s" }],
      faults: [{ at: "1500ms", crash: "consumer", target: "g/1" }],
    });
    expect(log.lines).toEqual([
      "t=1000000 published m0",
      "t=1000000 accepted m0",
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=1500000 fault consumer-crash g/1 began",
      "t=2000000 fault consumer-crash g/1 ended",
      "t=31000000 delivered m0 g0 c1 waited 30000000 attempt 2",
      "t=36000000 effect m0 g0 c1 x1",
      "t=36000000 consumed m0 g0 c1 x1",
    ]);
    expect(result.counts).toMatchObject({ consumed: 1, duplicated: 0, lost: 0, pending: 0 });
  });
});
