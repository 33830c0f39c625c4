// Proves redis-pubsub's rules: only subscribers connected at publish time receive, every instance is its own subscriber, the output buffer limits disconnect a slow subscriber and discard its buffer, and a broker crash keeps nothing.
import { describe, expect, it } from "vitest";
import { evaluateChecks } from "../../../src/index.js";
import { messagesIn, redis, run } from "./run.js";

const tenPerSecond = { name: "p", arrival: { process: "constant", rate: "10/s" } };
const hundredPerSecond = { name: "p", arrival: { process: "constant", rate: "100/s" } };

describe("redis-pubsub", () => {
  it("makes a subscriber that is down for 2 s miss exactly the messages published meanwhile", () => {
    const { result, log } = run({
      duration: "4s",
      broker: redis("redis-pubsub"),
      producers: [tenPerSecond],
      consumers: [{ group: "g", processing: "10ms" }],
      faults: [{ at: "1s", crash: "consumer", target: "g", restartAfter: "2s" }],
      expect: { delivery: "at-most-once" },
    });
    // Down from 1 s to 3 s: m9 (at 1.0 s) to m28 (at 2.9 s); m29 at 3.0 s arrives after the restart.
    const missed = Array.from({ length: 20 }, (_, i) => 9 + i);
    expect(messagesIn(log.lines, "dropped")).toEqual(missed);
    expect(log.matching("no-subscriber")).toHaveLength(20);
    expect(result.counts).toMatchObject({ accepted: 39, consumed: 19, lost: 20, dropped: 20, pending: 0 });
    expect(evaluateChecks(result)[0]?.passed).toBe(true);
  });

  it("gives every message to every instance: a group of three processes each message three times", () => {
    const { result } = run({
      duration: "1s",
      broker: redis("redis-pubsub"),
      producers: [tenPerSecond],
      consumers: [{ group: "g", instances: 3, processing: "10ms" }],
    });
    expect(result.counts).toMatchObject({ accepted: 9, deliveries: 27, consumed: 9, duplicated: 9, lost: 0 });
  });

  it("disconnects a subscriber whose output buffer reaches the hard limit, and loses what it buffered", () => {
    const { result, log } = run({
      duration: "300ms",
      broker: redis("redis-pubsub", { "client-output-buffer-limit": "10kb 0 0", reconnectDelay: "100ms" }),
      producers: [hundredPerSecond],
      consumers: [{ group: "g", processing: "1s" }],
    });
    // m0 is being processed; m1..m11 wait in the buffer: 11 x 1000 B >= 10 KiB disconnects it as m11 arrives.
    expect(messagesIn(log.matching("output-buffer-limit"), "dropped")).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(log.matching("output-buffer-limit").every((line) => line.startsWith("t=120000 "))).toBe(true);
    // Resubscribed 100 ms later: m12..m20 find no subscriber.
    expect(messagesIn(log.matching("no-subscriber"), "dropped")).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(result.counts).toMatchObject({ accepted: 29, lost: 20, dropped: 20 });
  });

  it("disconnects a subscriber that stays over the soft limit for longer than its seconds", () => {
    const { log } = run({
      duration: "1.2s",
      broker: redis("redis-pubsub", { "client-output-buffer-limit": "0 5kb 1" }),
      producers: [hundredPerSecond],
      consumers: [{ group: "g", processing: "1s" }],
    });
    // Over 5 KiB from m6 (70 ms); still over at the check 1 s later, so m107 (1.08 s) disconnects it.
    const first = log.matching("output-buffer-limit")[0];
    expect(first).toBe("t=1080000 dropped m2 g0 output-buffer-limit");
  });

  it("keeps nothing through a broker crash: buffered messages are lost and publishes are refused", () => {
    const { result, log } = run({
      duration: "1s",
      broker: redis("redis-pubsub"),
      producers: [hundredPerSecond],
      consumers: [{ group: "g", processing: "50ms" }],
      faults: [{ at: "500ms", crash: "broker", restartAfter: "100ms" }],
    });
    expect(log.matching("broker-crash").length).toBeGreaterThan(20);
    // Refused while down (500..590 ms); the 100 ms reconnect delay then misses 600..690 ms.
    expect(result.counts.rejected).toBe(10);
    expect(log.matching("no-subscriber")).toHaveLength(10);
    expect(result.counts.lost).toBe(result.counts.dropped);
  });
});
