// Proves producer-side failures and partitions: a lost confirm with retries publishes twice, a crash leaves outcomes unknown (consumed ones are "recovered"), a partitioned consumer is requeued after detection, and without timeouts nothing changes.
import { describe, expect, it } from "vitest";
import { evaluateChecks, simulate } from "../../src/index.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const steady = { name: "p", arrival: { process: "constant", rate: "10/s" } };

function run(producer: Record<string, unknown>, faults: unknown[], expect: Record<string, unknown> = {}) {
  const log = new EventLog();
  const result = simulate(
    parsed(
      scenarioInput({
        duration: "5s",
        network: { latency: "1ms" },
        producers: [{ ...steady, ...producer }],
        consumers: [{ group: "g", processing: "10ms" }],
        faults,
        expect,
      }),
    ),
    { observers: [log] },
  );
  return { result, log };
}

describe("producer faults", () => {
  it("retries a publish whose confirm was lost, so the broker takes it twice and it is consumed twice", () => {
    const { result } = run(
      { publish: { timeout: "50ms", retries: 2, backoff: "10ms" } },
      [{ at: "1s", for: "1s", loss: { link: "broker->p", probability: 1 } }],
      { delivery: "exactly-once" },
    );
    // Every confirm of the 10 messages published in [1 s, 2 s) is lost: each is resent, and the resend's confirm too until 2 s.
    expect(result.faults[0]?.effects.messagesLost).toBeGreaterThanOrEqual(20);
    expect(result.counts.republished).toBeGreaterThanOrEqual(10);
    expect(result.counts.duplicated).toBe(10);
    expect(result.counts).toMatchObject({ lost: 0, unexpected: 0, pending: 0 });
    const [check] = evaluateChecks(result);
    expect(check).toMatchObject({ name: "delivery: exactly-once", passed: false });
    expect(check?.counterExample?.events.map((e) => e.what)).toEqual(["consumed", "consumed again"]);
  });

  it("gives up after its retries: a publish lost on the way is unknown, not lost", () => {
    const { result } = run(
      { publish: { timeout: "50ms", retries: 1, backoff: "10ms" } },
      [{ at: "1s", for: "1s", loss: { link: "p->broker", probability: 1 } }],
      { delivery: "at-least-once" },
    );
    // Messages 9..18 are published in the window; both attempts vanish, so the producer never learns.
    expect(result.counts).toMatchObject({ unknown: 10, lost: 0, pending: 0, recovered: 0 });
    expect(evaluateChecks(result)[0]?.passed).toBe(true);
  });

  it("leaves what a crashed producer had in flight unknown to it; those the broker took are recovered", () => {
    const { result } = run({ publish: { timeout: "1s" } }, [
      { at: "1001ms", crash: "producer", target: "p#1", restartAfter: "500ms" },
    ]);
    // Message 9 (sent at 1.0 s) was on the wire, 1 ms from the broker, when the producer died.
    expect(result.faults[0]).toMatchObject({ kind: "producer-crash", target: "p#1", effects: { outcomesUnknown: 1 } });
    expect(result.counts).toMatchObject({ recovered: 1, unknown: 0, lost: 0 });
    // No messages are created while it is down: 5 fewer than the 49 of a clean run.
    expect(result.counts.published).toBe(44);
  });

  it("a crash aimed at an instance already down does nothing: no entry, and the first crash's restart stands", () => {
    const { result } = run({ publish: { timeout: "1s" } }, [
      { at: "1001ms", crash: "producer", target: "p#1", restartAfter: "500ms" },
      { at: "1201ms", crash: "producer", target: "p#1", restartAfter: "2s" },
    ]);
    expect(result.faults.map((fault) => fault.kind)).toEqual(["producer-crash"]);
    // Down from 1.001 s to 1.501 s, as with the first crash alone: the second neither extends nor repeats it.
    expect(result.counts.published).toBe(44);
  });

  it("changes nothing when the producer sets no timeout", () => {
    const { result } = run({}, []);
    expect(result.counts).toMatchObject({ published: 49, republished: 0, recovered: 0, unknown: 0, duplicated: 0 });
  });
});

describe("network partitions", () => {
  it("cuts a consumer off: it finishes what it holds, its acks are lost, the broker requeues after detection", () => {
    const log = new EventLog();
    const result = simulate(
      parsed(
        scenarioInput({
          duration: "5s",
          broker: { profile: "fifo", settings: { crashDetection: "1s" } },
          network: { latency: "1ms" },
          producers: [steady],
          consumers: [{ group: "g", processing: "50ms" }],
          faults: [{ at: "1020ms", for: "2s", partition: { between: ["broker", "g"] } }],
          expect: { delivery: "exactly-once" },
        }),
      ),
      { observers: [log] },
    );
    // Message 9 (sent at 1.001 s, received 1 ms later) is processed during the partition; its ack is lost, and the broker,
    // which noticed at 2.02 s, delivers it again after the partition heals at 3.02 s.
    const m9 = log.lines.filter((line) => /\bm9\b/.test(line) && /consumed|delivered/.test(line));
    expect(m9).toEqual([
      "t=1001000 delivered m9 g0 c0 waited 0",
      "t=1052000 consumed m9 g0 c0 x1",
      expect.stringMatching(/^t=\d+ delivered m9 g0 c0 waited \d+ attempt 2$/),
      expect.stringMatching(/^t=\d+ consumed m9 g0 c0 x2$/),
    ]);
    expect(result.faults[0]).toMatchObject({ kind: "partition", target: "broker|g", start: 1_020_000, end: 3_020_000 });
    expect(result.counts).toMatchObject({ lost: 0, pending: 0, duplicated: 1 });
  });
});

describe("publish confirms at zero latency", () => {
  it("a confirm that comes back inside the send is not missed: every publish ends confirmed, none unknown", () => {
    const result = simulate(
      parsed(
        scenarioInput({
          duration: "1s",
          broker: { profile: "fifo", serviceTime: 0 },
          producers: [{ name: "p", rate: "100/s", publish: { timeout: "50ms", retries: 2 } }],
          consumers: [{ group: "g", processing: "1ms" }],
        }),
      ),
    );
    expect(result.counts.published).toBeGreaterThan(50);
    expect(result.counts).toMatchObject({ republished: 0, unknown: 0, recovered: 0, lost: 0 });
    expect(result.counts.consumed).toBe(result.counts.published);
  });
});
