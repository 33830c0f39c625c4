// Proves what a RabbitMQ broker crash does: durable queues with persistent messages (and quorum queues) keep them and redeliver what was unacked, transient ones lose them, and publishes are refused while it is down.
import { describe, expect, it } from "vitest";
import { quorum, rabbit, run } from "./run.js";

/**
 * A message every 100 ms, each taking 300 ms; the broker is down from 1 s to 1.5 s. At the crash the consumer
 * has just finished m2 (its ack finds no broker) and holds m3 in its prefetch buffer.
 */
function crashAtOneSecond(broker: Record<string, unknown>) {
  const { result, log } = run({
    duration: "2s",
    broker,
    producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" } }],
    consumers: [{ group: "g", processing: "300ms" }],
    faults: [{ at: "1s", crash: "broker", restartAfter: "500ms" }],
  });
  const during = log.lines.filter((line) => {
    const time = Number(line.split(" ")[0]!.slice(2));
    return time >= 1_000_000 && time < 1_500_000;
  });
  return { result, log, during };
}

describe("rabbitmq broker crash", () => {
  it("keeps a durable queue's persistent messages and redelivers what was unacked; refuses publishes while down", () => {
    const { result, log, during } = crashAtOneSecond(rabbit({ prefetch: 2 }));
    expect(log.matching("rejected")).toEqual([
      "t=1000000 rejected m9",
      "t=1100000 rejected m10",
      "t=1200000 rejected m11",
      "t=1300000 rejected m12",
      "t=1400000 rejected m13",
    ]);
    expect(during.filter((line) => line.includes(" delivered "))).toEqual([]);
    // m2 and m3 were unacked when the broker died: both come back on restart.
    expect(log.matching("attempt")).toEqual([
      "t=1500000 delivered m2 g0 c0 waited 1200000 attempt 2",
      "t=1500000 delivered m3 g0 c0 waited 1100000 attempt 2",
    ]);
    expect(result.counts).toMatchObject({ accepted: 14, rejected: 5, lost: 0, duplicated: 2, dropped: 0 });
  });

  it("loses every queued and unacked message of transient messages (persistent: false)", () => {
    const { result, log } = crashAtOneSecond(rabbit({ prefetch: 2, persistent: false }));
    expect(log.matching("dropped")).toEqual(
      ["m2", "m3", "m4", "m5", "m6", "m7", "m8"].map((m) => `t=1000000 dropped ${m} g0 broker-crash`),
    );
    // m2 and m3 were in the consumer's hands and still get consumed; m4 to m8 are gone.
    expect(result.counts).toMatchObject({ accepted: 14, consumed: 9, dropped: 7, lost: 5, redeliveries: 0 });
  });

  it("loses them too in a transient queue (durable: false), even for persistent messages", () => {
    const { result } = crashAtOneSecond(rabbit({ prefetch: 2, durable: false }));
    expect(result.counts).toMatchObject({ consumed: 9, dropped: 7, lost: 5 });
  });

  it("keeps everything in a quorum queue, which is always durable", () => {
    const { result } = crashAtOneSecond(quorum({ prefetch: 2 }));
    expect(result.counts).toMatchObject({ accepted: 14, rejected: 5, lost: 0, redeliveries: 2, dropped: 0 });
  });
});
