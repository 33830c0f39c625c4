// Proves how RabbitMQ handles failed processing: nack requeues to the original position (a poison loop on classic queues), reject dead-letters or drops, and a quorum queue gives up after x-delivery-limit returns.
import { describe, expect, it } from "vitest";
import { quorum, rabbit, run } from "./run.js";

/** One poison message (m0) first, then three good ones, to one consumer with prefetch 1 and 10 ms of work. */
function poisonFirst(broker: Record<string, unknown>, drainTimeout = "10min") {
  return run({
    duration: "1s",
    drainTimeout,
    broker,
    producers: [
      { name: "bad", arrival: { process: "constant", rate: "10/s" }, limit: 1 },
      { name: "good", arrival: { process: "constant", rate: "10/s" }, limit: 3 },
    ],
    consumers: [{ group: "g", processing: "10ms" }],
    faults: [{ poison: { fraction: 1, producer: "bad" } }],
  });
}

describe("rabbitmq failed processing", () => {
  it("on a classic queue requeues a poison message at the head forever, starving the messages behind it", () => {
    const { result, log } = poisonFirst(rabbit({ prefetch: 1 }), "10s");
    const delivered = log.matching("delivered");
    expect(delivered.every((line) => line.includes(" m0 "))).toBe(true);
    // One delivery every 10 ms from 100 ms until the run stops at 11 s.
    expect(delivered.length).toBe(1091);
    expect(result.counts).toMatchObject({ consumed: 0, pending: 4, lost: 0, deadLettered: 0 });
  });

  it("on a quorum queue dead-letters the poison message when it is returned a 21st time (x-delivery-limit 20)", () => {
    const { result, log } = poisonFirst(quorum({ prefetch: 1, "x-dead-letter-exchange": "dlx" }));
    const attempts = log.matching("delivered").filter((line) => line.includes(" m0 "));
    expect(attempts.length).toBe(21);
    expect(attempts.at(-1)).toBe("t=300000 delivered m0 g0 c0 waited 200000 attempt 21");
    expect(log.matching("dead-lettered")).toEqual(["t=310000 dead-lettered m0 g0 delivery_limit"]);
    expect(result.counts).toMatchObject({ consumed: 3, deadLettered: 1, dropped: 0, lost: 0, pending: 0 });
  });

  it("without a dead-letter exchange drops the over-delivered message: it is lost", () => {
    const { result, log } = poisonFirst(quorum({ prefetch: 1 }));
    expect(log.matching("dropped")).toEqual(["t=310000 dropped m0 g0 delivery_limit"]);
    expect(result.counts).toMatchObject({ consumed: 3, deadLettered: 0, dropped: 1, lost: 1 });
  });

  it("follows x-delivery-limit", () => {
    const { log } = poisonFirst(quorum({ prefetch: 1, "x-delivery-limit": 2 }));
    expect(log.matching("delivered").filter((line) => line.includes(" m0 ")).length).toBe(3);
    expect(log.matching("dropped")).toEqual(["t=130000 dropped m0 g0 delivery_limit"]);
  });

  it("on a quorum queue with x-delivery-limit -1 returns the message to the tail, so the others get through", () => {
    const { result, log } = poisonFirst(quorum({ prefetch: 1, "x-delivery-limit": -1 }), "10s");
    // m1 waits only for m0's first attempt; later good messages never wait behind the looping m0.
    expect(log.matching("delivered").filter((line) => !line.includes(" m0 "))).toEqual([
      "t=110000 delivered m1 g0 c0 waited 10000",
      "t=200000 delivered m2 g0 c0 waited 0",
      "t=300000 delivered m3 g0 c0 waited 0",
    ]);
    expect(result.counts).toMatchObject({ consumed: 3, pending: 1, deadLettered: 0, lost: 0 });
  });

  it("with requeueOnFailure false rejects without requeue: dead-lettered with reason rejected, or dropped", () => {
    const dropped = poisonFirst(rabbit({ prefetch: 1, requeueOnFailure: false }));
    expect(dropped.log.matching("dropped")).toEqual(["t=110000 dropped m0 g0 rejected"]);
    expect(dropped.result.counts).toMatchObject({ consumed: 3, redeliveries: 0, lost: 1 });
    const deadLettered = poisonFirst(rabbit({ prefetch: 1, requeueOnFailure: false, "x-dead-letter-exchange": "dlx" }));
    expect(deadLettered.log.matching("dead-lettered")).toEqual(["t=110000 dead-lettered m0 g0 rejected"]);
    expect(deadLettered.result.counts).toMatchObject({ consumed: 3, deadLettered: 1, lost: 0 });
  });

  it("with autoAck a failed message is simply gone: the broker settled it on delivery", () => {
    const { result, log } = poisonFirst(rabbit({ autoAck: true }));
    expect(log.matching("dropped")).toEqual(["t=110000 dropped m0 g0 auto-ack-processing-failed"]);
    expect(result.counts).toMatchObject({ consumed: 3, redeliveries: 0, lost: 1 });
  });
});
