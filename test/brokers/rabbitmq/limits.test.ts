// Proves RabbitMQ's limits: TTL expiry only at the queue head, x-max-length with drop-head or reject-publish (with and without confirms), and the memory alarm blocking publishers while consumers carry on.
import { describe, expect, it } from "vitest";
import { quorum, rabbit, run } from "./run.js";

describe("rabbitmq message TTL", () => {
  it("expires the head on time even when nothing else happens, and never delivers an expired message", () => {
    const { result, log } = run({
      duration: "1s",
      broker: rabbit({ prefetch: 1, "x-message-ttl": "1s" }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 3 }],
      consumers: [{ group: "g", processing: "5s" }],
    });
    expect(log.matching("dropped")).toEqual(["t=1200001 dropped m1 g0 expired", "t=1300001 dropped m2 g0 expired"]);
    expect(result.counts).toMatchObject({ consumed: 1, deliveries: 1, lost: 2 });
  });

  it("removes an expired message only when it reaches the head: behind unexpired ones it waits", () => {
    // Quorum queue with x-delivery-limit -1: the failed m0 goes back to the tail, behind younger messages.
    const { log } = run({
      duration: "1s",
      broker: quorum({ prefetch: 1, "x-delivery-limit": -1, "x-message-ttl": "1s", "x-dead-letter-exchange": "dlx" }),
      producers: [
        { name: "bad", arrival: { process: "constant", rate: "10/s" }, limit: 1 },
        { name: "good", arrival: { process: "constant", rate: "5/s" }, limit: 4 },
      ],
      consumers: [{ group: "g", processing: "300ms" }],
      faults: [{ poison: { fraction: 1, producer: "bad" } }],
    });
    // m0 (accepted at 100 ms) expires at 1.1 s but sits behind m3 and m4 until 1.6 s.
    expect(log.matching("dead-lettered")).toEqual(["t=1600000 dead-lettered m0 g0 expired"]);
    expect(log.matching("delivered").filter((line) => line.includes(" m0 ")).length).toBe(2);
  });

  it("keeps the original expiry on requeue: messages returned after their TTL are dead-lettered, not redelivered", () => {
    const { result, log } = run({
      duration: "1s",
      broker: rabbit({ prefetch: 2, heartbeat: "5s", "x-message-ttl": "2s", "x-dead-letter-exchange": "dlx" }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 2 }],
      consumers: [{ group: "g", processing: "1s" }],
      faults: [{ at: "250ms", crash: "consumer", target: "g/1", restartAfter: "500ms", mode: "hang" }],
    });
    // The hung consumer's connection is closed at 15 s (three 5 s heartbeat checks): both have expired by then.
    expect(log.matching("dead-lettered")).toEqual([
      "t=15000000 dead-lettered m0 g0 expired",
      "t=15000000 dead-lettered m1 g0 expired",
    ]);
    expect(result.counts).toMatchObject({ redeliveries: 0, deadLettered: 2, lost: 0 });
  });
});

describe("rabbitmq x-max-length", () => {
  // 99 messages, one every 10 ms; the consumer takes 20 ms each: about half cannot fit.
  const overloaded = (settings: Record<string, unknown>) =>
    run({
      duration: "1s",
      broker: rabbit({ prefetch: 1, "x-max-length": 5, ...settings }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
      consumers: [{ group: "g", processing: "20ms" }],
    });

  it("with drop-head (the default) drops the oldest ready message: confirmed messages are lost", () => {
    const { result, log } = overloaded({});
    expect(result.counts).toMatchObject({ published: 99, accepted: 99, rejected: 0, consumed: 55, lost: 44 });
    expect(log.matching("dropped")[0]).toBe("t=120000 dropped m6 g0 maxlen");
    expect(result.maxDepth).toBe(5);
  });

  it("dead-letters the dropped head with reason maxlen when a dead-letter exchange is set", () => {
    const { result } = overloaded({ "x-dead-letter-exchange": "dlx" });
    expect(result.counts).toMatchObject({ consumed: 55, deadLettered: 44, lost: 0 });
  });

  it("with reject-publish and confirms nacks the newest publish: nothing confirmed is lost", () => {
    const { result, log } = overloaded({ "x-overflow": "reject-publish" });
    expect(result.counts).toMatchObject({ published: 99, accepted: 55, rejected: 44, consumed: 55, lost: 0 });
    expect(log.matching("rejected")[0]).toBe("t=120000 rejected m11");
    expect(result.maxDepth).toBe(5);
  });

  it("with reject-publish and no confirms discards the publish silently: the producer thinks it was sent", () => {
    const { result, log } = overloaded({ "x-overflow": "reject-publish", confirms: false });
    expect(result.counts).toMatchObject({ published: 99, accepted: 99, rejected: 0, consumed: 55, lost: 44 });
    expect(log.matching("dropped")[0]).toBe("t=120000 dropped m11 g0 reject-publish");
  });
});

describe("rabbitmq reject-publish-dlx", () => {
  const overloaded = (settings: Record<string, unknown>) =>
    run({
      duration: "1s",
      broker: rabbit({ prefetch: 1, "x-max-length": 5, "x-overflow": "reject-publish-dlx", ...settings }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
      consumers: [{ group: "g", processing: "20ms" }],
    });

  it("nacks the newest publish and dead-letters it with reason maxlen", () => {
    const { result, log } = overloaded({ "x-dead-letter-exchange": "dlx" });
    expect(result.counts).toMatchObject({ published: 99, accepted: 55, rejected: 44, deadLettered: 44, lost: 0 });
    expect(log.matching("m11").slice(1)).toEqual(["t=120000 rejected m11", "t=120000 dead-lettered m11 g0 maxlen"]);
  });

  it("without confirms dead-letters the publish the producer believes was queued", () => {
    const { result } = overloaded({ "x-dead-letter-exchange": "dlx", confirms: false });
    expect(result.counts).toMatchObject({ published: 99, accepted: 99, rejected: 0, deadLettered: 44, lost: 0 });
  });

  it("without a dead-letter exchange behaves as reject-publish", () => {
    const { result } = overloaded({});
    expect(result.counts).toMatchObject({ published: 99, accepted: 55, rejected: 44, deadLettered: 0, lost: 0 });
  });
});

describe("rabbitmq quorum reject-publish", () => {
  /** `count` publishes at `rate` into a quorum queue limited to 10 whose one consumer holds m0 for an hour. */
  const burst = (count: number, rate: string, settings: Record<string, unknown> = {}) =>
    run({
      duration: "10s",
      drainTimeout: "0s",
      broker: quorum({ prefetch: 1, "x-max-length": 10, "x-overflow": "reject-publish", ...settings }),
      producers: [{ name: "p", arrival: { process: "constant", rate }, limit: count }],
      consumers: [{ group: "g", processing: "1h" }],
    });

  it("accepts a whole burst of 25 that arrives before its publishers hear reject_publish (5 ms)", () => {
    expect(burst(25, "10000/s").result.counts).toMatchObject({ accepted: 25, rejected: 0 });
  });

  it("overshoots by what arrives during raftApplyDelay after the queue goes over its limit, then refuses", () => {
    // One publish per ms from 1 ms; m0 is with the consumer. m11 (12 ms) makes 11 ready, over 10: publishers
    // hear it at 17 ms, so m12 to m15 are accepted too and m16 (17 ms) is the first refused.
    const { result, log } = burst(100, "1000/s");
    expect(result.counts).toMatchObject({ accepted: 16, rejected: 84 });
    expect(log.matching("rejected")[0]).toBe("t=17000 rejected m16");
  });

  it("checks every publish against the queue with raftApplyDelay 0, letting the queue reach limit + 1", () => {
    // m0 with the consumer, 11 ready: rabbit_fifo blocks publishers once ready > x-max-length.
    expect(burst(100, "1000/s", { raftApplyDelay: 0 }).result.counts).toMatchObject({ accepted: 12, rejected: 88 });
  });
});

describe("rabbitmq memory alarm", () => {
  it("blocks every publisher while held message bytes are at memoryLimitBytes; consumers carry on; nothing is lost", () => {
    const { result, log } = run({
      duration: "2s",
      broker: rabbit({ prefetch: 1, memoryLimitBytes: "10KB" }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" }, size: "1KB" }],
      consumers: [{ group: "g", processing: "20ms" }],
    });
    // Ten 1 KB messages held (one unacked, nine ready) reach the budget at 200 ms.
    const blocked = log.lines.indexOf("t=200000 blocked");
    expect(log.lines.slice(blocked, blocked + 7)).toEqual([
      "t=200000 blocked",
      "t=210000 effect m9 g0 c0 x1",
      "t=210000 consumed m9 g0 c0 x1",
      "t=210000 delivered m10 g0 c0 waited 100000",
      "t=210000 unblocked",
      "t=210000 accepted m19",
      "t=210000 published m20",
    ]);
    expect(result.maxDepth).toBe(9);
    expect(result.counts).toMatchObject({ published: 199, consumed: 199, rejected: 0, lost: 0, pending: 0 });
    // 199 messages at 50/s take 4 s: publishers spend most of it blocked, and the wait shows as latency.
    expect(result.blockedMicros).toBe(3_590_000);
    expect(result.endToEnd.max).toBe(2_000_000);
  });
});
