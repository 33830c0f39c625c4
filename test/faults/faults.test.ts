// Proves each kind of fault acts exactly in its window and heals at the end of the run: duplication, slow consumers, link latency, poison messages, broker crashes and random faults.
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const steady = { name: "p", arrival: { process: "constant", rate: "10/s" } };

function run(overrides: Record<string, unknown>) {
  const log = new EventLog();
  const result = simulate(parsed(scenarioInput({ duration: "5s", producers: [steady], ...overrides })), {
    observers: [log],
  });
  return { result, log };
}

/** Processing time of each message, from its delivery to its consumption (single consumer, no waiting). */
function processingTimes(log: EventLog): Map<number, number> {
  const started = new Map<number, number>();
  const took = new Map<number, number>();
  for (const line of log.lines) {
    const [time, what, message] = line.split(" ");
    const t = Number(time!.slice(2));
    const id = Number(message!.slice(1));
    if (what === "delivered") started.set(id, t);
    if (what === "consumed") took.set(id, t - started.get(id)!);
  }
  return took;
}

describe("faults", () => {
  it("duplicates every delivery inside the window, and none outside", () => {
    const { result } = run({
      consumers: [{ group: "g", processing: "10ms" }],
      faults: [{ at: "1s", for: "2s", duplicate: { probability: 1 } }],
    });
    // Messages published at 1.0 s ... 2.9 s are delivered inside [1 s, 3 s).
    expect(result.counts.duplicated).toBe(20);
    expect(result.faults[0]?.effects).toEqual({ duplicatedDeliveries: 20 });
    expect(result.counts.lost).toBe(0);
  });

  it("multiplies processing time for a slow consumer only during the window", () => {
    const { log } = run({
      consumers: [{ group: "g", processing: "10ms" }],
      faults: [{ at: "2s", for: "1s", slow: { target: "g/1", factor: 4 } }],
    });
    // Message k is published at (k + 1) * 100 ms: 19 is the first inside the window, 29 the first after it.
    const took = processingTimes(log);
    expect(took.get(18)).toBe(10_000);
    expect(took.get(19)).toBe(40_000);
    expect(took.get(28)).toBe(40_000);
    expect(took.get(29)).toBe(10_000);
  });

  it("adds latency to the named link only while the fault lasts", () => {
    const { log } = run({
      consumers: [{ group: "g", processing: "10ms" }],
      faults: [{ at: "2s", for: "1s", latency: { link: "broker->g", add: "30ms" } }],
    });
    const sojourn = (id: number) => Number(log.matching("consumed")[id]!.split(" ")[0]!.slice(2)) - (id + 1) * 100_000;
    expect(sojourn(18)).toBe(10_000);
    expect(sojourn(19)).toBe(40_000);
    expect(sojourn(29)).toBe(10_000);
  });

  it("dead-letters poison messages after the delivery limit", () => {
    const { result, log } = run({
      broker: { profile: "fifo", settings: { deliveryLimit: 3 } },
      producers: [{ name: "p", rate: "200/s" }],
      consumers: [{ group: "g", instances: 2, processing: "1ms" }],
      faults: [{ poison: { fraction: 0.01 } }],
    });
    const poisoned = result.faults[0]?.effects.poisonMessages ?? 0;
    expect(poisoned).toBeGreaterThan(3);
    expect(result.counts.deadLettered).toBe(poisoned);
    expect(result.counts.redeliveries).toBe(2 * poisoned);
    expect(result.counts.consumed + result.counts.deadLettered).toBe(result.counts.published);
    expect(log.matching("dead-lettered").every((line) => line.endsWith("delivery_limit"))).toBe(true);
  });

  it("keeps queued messages through a crash of a durable broker, and drops them from a transient one", () => {
    const crash = (durable: boolean) =>
      run({
        broker: { profile: "fifo", settings: { durable } },
        producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
        consumers: [{ group: "g", processing: "20ms" }],
        faults: [{ at: "2s", crash: "broker", restartAfter: "1s" }],
      }).result;
    // While the broker is down, publishers are blocked and hold their messages; none is refused.
    const durable = crash(true);
    expect(durable.counts).toMatchObject({ lost: 0, dropped: 0, rejected: 0, pending: 0 });
    expect(durable.blockedMicros).toBe(1_000_000);
    const transient = crash(false);
    expect(transient.counts.dropped).toBeGreaterThan(50);
    // The one delivery in progress at the crash is dropped from the queue, yet its consumer finishes it.
    expect(transient.counts.lost).toBe(transient.counts.dropped - 1);
    expect(transient.counts.consumed + transient.counts.lost).toBe(transient.counts.accepted);
  });

  it("spaces random faults by at least stableFor, reproducibly, and heals at the end", () => {
    const random = () =>
      run({
        duration: "60s",
        consumers: [{ group: "g", instances: 3, processing: "10ms" }],
        faults: [
          {
            every: { dist: "exponential", mean: "2s" },
            stableFor: "5s",
            crash: "consumer",
            target: "g/*",
            restartAfter: "1s",
          },
        ],
      }).result;
    const first = random();
    const starts = first.faults.map((f) => f.start);
    expect(starts.length).toBeGreaterThan(5);
    for (let i = 1; i < starts.length; i++)
      expect(starts[i]! - first.faults[i - 1]!.end).toBeGreaterThanOrEqual(5_000_000);
    expect(random().faults).toEqual(first.faults);
    expect(first.faults.every((f) => f.end <= 60_000_000)).toBe(true);
    expect(first.counts).toMatchObject({ lost: 0, pending: 0 });
  });
});
