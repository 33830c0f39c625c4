// Proves RabbitMQ message priorities: classic x-max-priority levels (highest first, FIFO within a level, clamping, drop-head of the whole queue's head, requeue to the original position within a level), the quorum queue's 2:1 high/normal buckets, and a large prefetch defeating priorities.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../../src/index.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";
import { quorum, rabbit, run } from "./run.js";

/**
 * One consumer, busy 10 ms per message. m0 (bulk) arrives to an empty queue and is delivered at once;
 * everything else waits for it:
 *   bulk   priority 0 at 1, 2, 3, 4, 5, 6 ms   -> m0 m1 m2 m4 m5 m6
 *   mid    priority 5 at 3.333, 6.667 ms       -> m3 m7
 *   urgent priority 9 at 7.143 ms              -> m8
 */
const mixed = [
  { name: "bulk", priority: 0, arrival: { process: "constant", rate: "1000/s" }, limit: 6 },
  { name: "mid", priority: 5, arrival: { process: "constant", rate: "300/s" }, limit: 2 },
  { name: "urgent", priority: 9, arrival: { process: "constant", rate: "140/s" }, limit: 1 },
];

function deliveryOrder(broker: Record<string, unknown>, overrides: Record<string, unknown> = {}): string[] {
  const { log } = run({ broker, producers: mixed, consumers: [{ group: "g", processing: "10ms" }], ...overrides });
  return log.matching("delivered").map((line) => line.split(" ")[2]!);
}

describe("rabbitmq classic priority queue (x-max-priority)", () => {
  it("delivers the highest priority first, FIFO within a priority", () => {
    expect(deliveryOrder(rabbit({ prefetch: 1, "x-max-priority": 9 }))).toEqual([
      "m0",
      "m8",
      "m3",
      "m7",
      "m1",
      "m2",
      "m4",
      "m5",
      "m6",
    ]);
  });

  it("treats a priority above x-max-priority as the max: urgent (9) joins mid (5) in FIFO order", () => {
    expect(deliveryOrder(rabbit({ prefetch: 1, "x-max-priority": 5 }))).toEqual([
      "m0",
      "m3",
      "m7",
      "m8",
      "m1",
      "m2",
      "m4",
      "m5",
      "m6",
    ]);
  });

  it("ignores message priorities without x-max-priority, as a plain classic queue does", () => {
    expect(deliveryOrder(rabbit({ prefetch: 1 }))).toEqual(["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"]);
  });

  it("drops the head of the whole queue at x-max-length: the urgent message makes room for a bulk one", () => {
    // bulk (0) at 1, 2, 3 ms: m0 m1 m3; urgent (9) at 2.5 ms: m2. m0 is delivered at once; when m3 arrives
    // the queue holds m2 (priority 9, its head) and m1, so drop-head drops m2, as the RabbitMQ guide warns.
    const { log } = run({
      broker: rabbit({ prefetch: 1, "x-max-priority": 9, "x-max-length": 2 }),
      producers: [
        { name: "bulk", priority: 0, arrival: { process: "constant", rate: "1000/s" }, limit: 3 },
        { name: "urgent", priority: 9, arrival: { process: "constant", rate: "400/s" }, limit: 1 },
      ],
      consumers: [{ group: "g", processing: "10ms" }],
    });
    expect(log.matching("dropped")).toEqual(["t=3000 dropped m2 g0 maxlen"]);
    expect(log.matching("delivered").map((line) => line.split(" ")[2])).toEqual(["m0", "m1", "m3"]);
  });

  it("puts returned messages back at their original position within their own priority", () => {
    // bulk (0) at 1, 2, 3, 4 ms: m0 m2 m3 m5; urgent (9) at 1.667, 3.333, 5 ms: m1 m4 m6.
    // With prefetch 2 the consumer holds m0 and m1 when it crashes at 4.5 ms; the heartbeat (1 ms)
    // returns them: m1 to the head of priority 9 (before m4), m0 to the head of priority 0 (before m2).
    const { log } = run({
      broker: rabbit({ prefetch: 2, "x-max-priority": 9, heartbeat: "1ms" }),
      producers: [
        { name: "bulk", priority: 0, arrival: { process: "constant", rate: "1000/s" }, limit: 4 },
        { name: "urgent", priority: 9, arrival: { process: "constant", rate: "600/s" }, limit: 3 },
      ],
      consumers: [{ group: "g", processing: "10ms" }],
      faults: [{ at: "4500us", crash: "consumer", target: "g/1", restartAfter: "10ms" }],
    });
    const afterRestart = log
      .matching("delivered")
      .filter((line) => Number(line.split(" ")[0]!.slice(2)) >= 14_500)
      .map((line) => line.split(" ")[2]);
    expect(afterRestart).toEqual(["m1", "m4", "m6", "m0", "m2", "m3", "m5"]);
    expect(log.matching("consumed")).toHaveLength(7);
  });
});

describe("rabbitmq quorum queue priorities (4.0-4.2)", () => {
  it("serves high (above 4) and normal 2:1 while both wait, without x-max-priority", () => {
    // High: mid m3 m7 and urgent m8; normal: bulk. The 2:1 counter already moved on m0's delivery,
    // so the first backlog take is the second of a round: m3, then the older normal m1, then m7, m8, ...
    expect(deliveryOrder(quorum({ prefetch: 1 }))).toEqual(["m0", "m3", "m1", "m7", "m8", "m2", "m4", "m5", "m6"]);
  });

  it("takes two high for each normal over a long backlog", () => {
    // normal (0) at 1..6 ms and high (9) at 1.111..6.667 ms; all but the first wait behind a 10 ms message.
    const { log } = run({
      broker: quorum({ prefetch: 1 }),
      producers: [
        { name: "normal", priority: 0, arrival: { process: "constant", rate: "1000/s" }, limit: 6 },
        { name: "high", priority: 9, arrival: { process: "constant", rate: "900/s" }, limit: 6 },
      ],
      consumers: [{ group: "g", processing: "10ms" }],
    });
    const producerOf = (line: string) => (Number(line.split(" ")[2]!.slice(1)) % 2 === 0 ? "N" : "H");
    expect(log.matching("delivered").map(producerOf).join("")).toBe("NHNHHNHHNHNN");
  });

  it("still serves a high message first at the third take when it is older than the normal head", () => {
    // high (9) at 1, 2, 3, 4 ms (m0-m3), normal (0) at 5 ms (m4): rabbit_fifo_q's hi_is_prioritised case.
    const { log } = run({
      broker: quorum({ prefetch: 1 }),
      producers: [
        { name: "high", priority: 9, arrival: { process: "constant", rate: "1000/s" }, limit: 4 },
        { name: "normal", priority: 0, arrival: { process: "constant", rate: "200/s" }, limit: 1 },
      ],
      consumers: [{ group: "g", processing: "10ms" }],
    });
    expect(log.matching("delivered").map((line) => line.split(" ")[2])).toEqual(["m0", "m1", "m2", "m3", "m4"]);
  });
});

describe("a large prefetch defeats priorities", () => {
  // 20 bulk messages (priority 0) at 1..20 ms, one urgent (priority 9) at 25 ms, one consumer at 10 ms each.
  const urgentAfterBacklog = (prefetch: number) =>
    runScenario(
      parsed(
        scenarioInput({
          drainTimeout: "10min",
          broker: rabbit({ prefetch, "x-max-priority": 9 }),
          producers: [
            { name: "bulk", priority: 0, arrival: { process: "constant", rate: "1000/s" }, limit: 20 },
            { name: "urgent", priority: 9, arrival: { process: "constant", rate: "40/s" }, limit: 1 },
          ],
          consumers: [{ group: "g", processing: "10ms" }],
        }),
      ),
    ).summary.latency.byPriority!["9"]!;

  it("prefetch 1: the urgent message is next once the current one is done (16 ms end to end)", () => {
    const urgent = urgentAfterBacklog(1);
    expect([urgent.queueWait.max, urgent.endToEnd.max]).toEqual([6, 16]);
  });

  it("prefetch 10: it waits behind the 10 messages the consumer already holds (106 ms)", () => {
    const urgent = urgentAfterBacklog(10);
    expect([urgent.queueWait.max, urgent.endToEnd.max]).toEqual([6, 106]);
  });

  it("prefetch 0 (unlimited): it is pushed at once behind the whole backlog, and comes last (186 ms)", () => {
    const urgent = urgentAfterBacklog(0);
    expect([urgent.queueWait.max, urgent.endToEnd.max]).toEqual([0, 186]);
  });
});
