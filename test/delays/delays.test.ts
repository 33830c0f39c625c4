// Proves broker-side delays: a delay is honoured exactly at zero latency, notBefore holds messages until its time, SQS's message DelaySeconds replaces the queue's, RabbitMQ's delay queue blocks a short delay behind a long one (head-of-line expiry), the producer's confirm comes at once, held messages survive a broker crash, and runs repeat byte for byte.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const SECOND = 1_000_000;

/** Runs a scenario and returns, per message, when it was published and when it was consumed (µs). */
function run(overrides: Record<string, unknown>) {
  const log = new EventLog();
  const { summary } = runScenario(parsed(scenarioInput(overrides)), { observers: [log] });
  const timeOf = (word: string) => {
    const times = new Map<number, number>();
    for (const line of log.matching(word)) {
      const [time, , message] = line.split(" ");
      const id = Number(message!.slice(1));
      if (!times.has(id)) times.set(id, Number(time!.slice(2)));
    }
    return times;
  };
  return { summary, log, published: timeOf("published"), consumed: timeOf("consumed") };
}

const instant = { processing: "0ms" };

describe("per-message delay", () => {
  it("delivers each message exactly its delay after publishing, at zero latency", () => {
    const { published, consumed, summary } = run({
      producers: [{ name: "p", rate: "5/s", delay: "3s" }],
      consumers: [{ group: "g", ...instant }],
    });
    expect(published.size).toBeGreaterThan(30);
    for (const [message, at] of published) expect(consumed.get(message)).toBe(at + 3 * SECOND);
    expect(summary.latency.endToEnd.max).toBe(3000);
  });

  it("gives the same exact delay on SQS, which keeps a timer per message (long polling answers at once)", () => {
    const { published, consumed } = run({
      broker: { profile: "sqs", settings: { ReceiveMessageWaitTimeSeconds: 20 } },
      producers: [{ name: "p", rate: "5/s", delay: "3s" }],
      consumers: [{ group: "g", ...instant }],
    });
    for (const [message, at] of published) expect(consumed.get(message)).toBe(at + 3 * SECOND);
  });

  it("starts a BullMQ delayed job once it is due, after the worker's own Redis work (microseconds)", () => {
    const { published, consumed } = run({
      broker: { profile: "bullmq" },
      producers: [{ name: "p", rate: "5/s", delay: "3s" }],
      consumers: [{ group: "g", ...instant }],
    });
    for (const [message, at] of published) {
      const late = consumed.get(message)! - (at + 3 * SECOND);
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(1000);
    }
  });

  it("holds every message until notBefore, then lets later ones through at once", () => {
    const { published, consumed } = run({
      producers: [{ name: "p", rate: "5/s", notBefore: "4s" }],
      consumers: [{ group: "g", ...instant }],
    });
    for (const [message, at] of published) expect(consumed.get(message)).toBe(Math.max(at, 4 * SECOND));
  });

  it("confirms a delayed publish at once: a publish timeout shorter than the delay resends nothing", () => {
    const { summary } = run({
      producers: [{ name: "p", rate: "5/s", delay: "5s", publish: { timeout: "1s", retries: 3 } }],
      consumers: [{ group: "g", ...instant }],
    });
    expect(summary.messages.duplicated).toBe(0);
    expect(summary.messages.consumed).toBe(summary.messages.published);
  });

  it("keeps held messages through a broker crash and hands over those that fell due at the restart", () => {
    const { published, consumed, summary } = run({
      producers: [{ name: "p", arrival: { process: "constant", rate: "2/s" }, delay: "2s", limit: 4 }],
      consumers: [{ group: "g", ...instant }],
      faults: [{ at: "2.2s", crash: "broker", restartAfter: "1s" }],
    });
    expect(summary.messages.lost).toBe(0);
    // Published at 0.5, 1, 1.5 and 2 s: due at 2.5 and 3 s (the broker is down), then 3.5 and 4 s.
    expect([...consumed.values()]).toEqual([3.2 * SECOND, 3.2 * SECOND, 3.5 * SECOND, 4 * SECOND]);
    for (const [message, at] of published) {
      const due = at + 2 * SECOND;
      // Due while the broker was down (2.2 s to 3.2 s): delivered at the restart; otherwise on time.
      expect(consumed.get(message)).toBe(due > 2.2 * SECOND && due < 3.2 * SECOND ? 3.2 * SECOND : due);
    }
  });

  it("counts a copy held at the end, of a message the broker took, as pending only for its pipeline's groups", () => {
    // The outbox relay times out on its lingering batches and sends rows again: the producer's last order was
    // queued for orders and consumed there, and a later copy of it is still held in the delay stage at the end.
    const { summary } = run({
      duration: "50ms",
      drainTimeout: "1s",
      broker: { profile: "bullmq" },
      network: { latency: "50us" },
      producers: [
        {
          name: "p",
          schedule: { every: "5ms" },
          delay: "105ms",
          batch: { size: 4, linger: "36ms" },
          writes: { mode: "outbox", relay: { confirmTimeout: "20ms" } },
        },
      ],
      consumers: [
        { group: "orders", processing: "100us", publishTo: "billing" },
        { group: "billing", processing: "100us" },
      ],
    });
    expect(summary.outbox?.p?.relayDuplicates).toBeGreaterThan(0);
    expect(summary.stages?.orders?.pending).toBe(0);
    // One onward message still on its way to billing; the held copy of the order is not billing's to receive.
    expect(summary.stages?.billing?.pending).toBe(1);
    expect(summary.messages.pending).toBe(1);
  });

  it("repeats byte for byte with a drawn delay", () => {
    const overrides = {
      producers: [{ name: "p", rate: "20/s", delay: { dist: "uniform", min: "1s", max: "5s" } }],
      consumers: [{ group: "g", processing: "10ms" }],
    };
    expect(JSON.stringify(run(overrides).summary)).toBe(JSON.stringify(run(overrides).summary));
  });
});

describe("SQS", () => {
  const sqs = (settings: Record<string, unknown> = {}) => ({ profile: "sqs", settings: { ...settings } });

  it("uses a message's DelaySeconds instead of the queue's, and the queue's for messages without one", () => {
    const { published, consumed } = run({
      broker: sqs({ DelaySeconds: 10, ReceiveMessageWaitTimeSeconds: 20 }),
      duration: "5s",
      producers: [
        { name: "own", rate: "1/s", delay: "2s" },
        { name: "queue", rate: "1/s" },
      ],
      consumers: [{ group: "g", ...instant }],
    });
    // Long polling answers at once when a message becomes visible, so each delay shows exactly.
    const delays = [...published].map(([message, at]) => consumed.get(message)! - at);
    const own = delays.filter((d) => d === 2 * SECOND).length;
    const queue = delays.filter((d) => d === 10 * SECOND).length;
    expect(own).toBeGreaterThan(0);
    expect(queue).toBeGreaterThan(0);
    expect(own + queue).toBe(published.size);
  });
});

describe("RabbitMQ delay queue (TTL + dead-letter exchange)", () => {
  it("expires only at the head: a short delay waits behind a long one, unlike a per-message timer", () => {
    const delays = { dist: "empirical", values: ["1s", "6s"] };
    const overrides = (profile: Record<string, unknown>) => ({
      broker: profile,
      duration: "20s",
      producers: [{ name: "p", rate: "1/s", delay: delays }],
      consumers: [{ group: "g", ...instant }],
    });
    // The same seed draws the same delays: the ideal broker shows each message's own due time.
    const ideal = run(overrides({ profile: "fifo" }));
    const rabbit = run(overrides({ profile: "rabbitmq", serviceTime: 0 }));
    let released = 0;
    let blocked = 0;
    for (const [message, at] of [...ideal.published].sort((a, b) => a[1] - b[1])) {
      const due = ideal.consumed.get(message)!;
      released = Math.max(due, released);
      if (released > due) blocked++;
      expect(rabbit.published.get(message)).toBe(at);
      expect(rabbit.consumed.get(message)).toBe(released);
    }
    expect(blocked).toBeGreaterThan(3);
  });
});
