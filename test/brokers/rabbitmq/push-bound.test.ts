// Proves the bound on RabbitMQ's push when no prefetch bounds it (autoAck, classic prefetch 0): the socket's bytes plus the 200 messages the queue sends ahead, counted in bytes of the messages' sizes.
import { describe, expect, it } from "vitest";
import { rabbit, run, watchOpenDeliveries } from "./run.js";

/** One consumer that takes an hour per message, and `count` messages of `size` published at once. */
function stuckReader(settings: Record<string, unknown>, size: string, count: number) {
  return run({
    duration: "1s",
    drainTimeout: "0s",
    broker: rabbit(settings),
    producers: [{ name: "p", size, arrival: { process: "constant", rate: "1000000/s" }, limit: count }],
    consumers: [{ group: "g", processing: "1h" }],
  });
}

describe("rabbitmq push bound", () => {
  it("holds 3,870 messages of 1 KB for an autoAck consumer that does not read: 4 MB / 1,090 bytes + 200", () => {
    const { log } = stuckReader({ autoAck: true }, "1KB", 5000);
    expect(log.matching("delivered")).toHaveLength(3870);
  });

  it("holds 597 messages of 10 KB (6 MB), and 240 of 100 KB (24 MB): the bound is in bytes plus 200 messages", () => {
    expect(stuckReader({ autoAck: true }, "10KB", 2000).log.matching("delivered")).toHaveLength(597);
    expect(stuckReader({ autoAck: true }, "100KB", 1000).log.matching("delivered")).toHaveLength(240);
  });

  it("bounds a classic queue's prefetch 0 with manual acks the same way", () => {
    expect(stuckReader({ prefetch: 0 }, "10KB", 2000).log.matching("delivered")).toHaveLength(597);
  });

  it("does not apply when a prefetch bounds the push", () => {
    expect(stuckReader({ prefetch: 1000 }, "100KB", 2000).log.matching("delivered")).toHaveLength(1000);
  });

  it("follows socketBufferBytes", () => {
    // A message goes in while fewer than 1,000,000 + 200 x 10,090 bytes are in the pipe: 300 messages of 10 KB.
    const { log } = stuckReader({ autoAck: true, socketBufferBytes: "1MB" }, "10KB", 2000);
    expect(log.matching("delivered")).toHaveLength(300);
  });

  it("lets a consumer that processes as fast as messages come hold only what it works on", () => {
    const watch = watchOpenDeliveries({
      duration: "2s",
      broker: rabbit({ autoAck: true }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
      consumers: [{ group: "g", processing: "1ms" }],
    });
    expect(watch.most).toEqual([1]);
  });

  it("loses with autoAck only what the pipe held when the consumer process dies", () => {
    const { result } = run({
      duration: "1s",
      broker: rabbit({ autoAck: true }),
      producers: [{ name: "p", size: "10KB", arrival: { process: "constant", rate: "1000000/s" }, limit: 2000 }],
      consumers: [{ group: "g", processing: "1h" }],
      faults: [{ at: "500ms", crash: "consumer", target: "g/1", restartAfter: "1s" }],
      drainTimeout: "0s",
    });
    expect(result.faults[0]?.effects).toEqual({ deliveriesHeld: 597 });
    expect(result.counts).toMatchObject({ lost: 597 });
  });
});

describe("rabbitmq push to a silent consumer", () => {
  it("goes on filling a hung autoAck consumer's socket until heartbeats give up, then loses all of it", () => {
    const { result, log } = run({
      duration: "1s",
      broker: rabbit({ autoAck: true, heartbeat: "5s" }),
      producers: [{ name: "p", size: "10KB", arrival: { process: "constant", rate: "10000/s" }, limit: 2000 }],
      consumers: [{ group: "g", processing: "1ms" }],
      faults: [{ at: "10ms", crash: "consumer", target: "g/1", mode: "hang", restartAfter: "30s" }],
    });
    // Hung at 10 ms after processing a few; the broker fills the pipe (597 messages of 10 KB, the socket bound) and closes the
    // connection at 15 s, losing them. The consumer comes back at 30 s and takes the rest.
    const lostAt = log.matching("dropped").map((line) => line.split(" ")[0]);
    expect(new Set(lostAt)).toEqual(new Set(["t=15000000"]));
    expect(lostAt).toHaveLength(597);
    expect(result.counts).toMatchObject({ lost: lostAt.length, pending: 0 });
  });
});
