// Proves what the RabbitMQ version changes: the quorum delivery limit (none before 4.0, 20 from 4.0, nacks uncounted from 4.3), 3.x quorum queues without priorities, and 4.3 classic queues without consumer_timeout.
import { describe, expect, it } from "vitest";
import { quorum, rabbit, run } from "./run.js";

/** One poison message (m0) then three good ones, one consumer with prefetch 1 and 10 ms of work, a 10 s run. */
function poisonFirst(broker: Record<string, unknown>) {
  return run({
    duration: "1s",
    drainTimeout: "10s",
    broker,
    producers: [
      { name: "bad", arrival: { process: "constant", rate: "10/s" }, limit: 1 },
      { name: "good", arrival: { process: "constant", rate: "10/s" }, limit: 3 },
    ],
    consumers: [{ group: "g", processing: "10ms" }],
    faults: [{ poison: { fraction: 1, producer: "bad" } }],
  });
}

const attemptsOfM0 = (lines: string[]) => lines.filter((line) => line.includes(" m0 ")).length;

describe("rabbitmq versions", () => {
  it("3.x quorum queues have no delivery limit by default: a poison message comes back first, forever", () => {
    const { result, log } = poisonFirst(quorum({ prefetch: 1, version: "3.10" }));
    // Returns are served first in 3.x (rabbit_fifo's returns queue), so the good messages wait behind it.
    expect(attemptsOfM0(log.matching("delivered"))).toBe(1091);
    expect(result.counts).toMatchObject({ consumed: 0, deadLettered: 0, dropped: 0, pending: 4 });
  });

  it("3.x quorum queues honour an x-delivery-limit that is set", () => {
    const { log } = poisonFirst(quorum({ prefetch: 1, version: "3.10", "x-delivery-limit": 2 }));
    expect(attemptsOfM0(log.matching("delivered"))).toBe(3);
    expect(log.matching("dropped")).toEqual(["t=130000 dropped m0 g0 delivery_limit"]);
  });

  it("4.0 to 4.2 quorum queues give a poison message up on its 21st return", () => {
    const { log } = poisonFirst(quorum({ prefetch: 1, version: "4.0" }));
    expect(attemptsOfM0(log.matching("delivered"))).toBe(21);
  });

  it("4.3 quorum queues do not count nacks: the poison message loops at the head", () => {
    const { result, log } = poisonFirst(quorum({ prefetch: 1, version: "4.3" }));
    expect(attemptsOfM0(log.matching("delivered"))).toBe(1091);
    expect(result.counts).toMatchObject({ deadLettered: 0, dropped: 0 });
  });

  it("4.3 quorum queues count a crashed consumer's returns", () => {
    const { log } = run({
      duration: "1s",
      broker: quorum({ prefetch: 1, version: "4.3", "x-delivery-limit": 1 }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 1 }],
      consumers: [{ group: "g", processing: "100ms" }],
      faults: [
        { at: "150ms", crash: "consumer", target: "g/1", restartAfter: "10ms" },
        { at: "200ms", crash: "consumer", target: "g/1", restartAfter: "10ms" },
      ],
    });
    // Two crashes while holding m0: returned twice, over a limit of 1.
    expect(log.matching("dropped")).toEqual(["t=200000 dropped m0 g0 delivery_limit"]);
  });

  it("3.x quorum queues ignore priorities", () => {
    const { log } = run({
      duration: "1s",
      broker: quorum({ prefetch: 1, version: "3.10" }),
      producers: [
        { name: "low", arrival: { process: "constant", rate: "1000/s" }, limit: 3 },
        { name: "high", priority: 9, arrival: { process: "constant", rate: "1000/s" }, limit: 3 },
      ],
      consumers: [{ group: "g", processing: "100ms" }],
    });
    expect(log.matching("delivered").map((line) => line.split(" ")[2])).toEqual(["m0", "m1", "m2", "m3", "m4", "m5"]);
  });

  it("4.3 classic queues do not evaluate consumer_timeout", () => {
    const { result } = run({
      duration: "1s",
      drainTimeout: "2h",
      broker: rabbit({ prefetch: 2, version: "4.3" }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 2 }],
      consumers: [{ group: "g", processing: "20min" }],
    });
    expect(result.counts).toMatchObject({ consumed: 2, duplicated: 0, redeliveries: 0 });
  });
});
