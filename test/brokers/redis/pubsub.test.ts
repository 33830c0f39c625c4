// Proves redis-pubsub's rules: only subscribers connected at publish time receive, every instance is its own subscriber, the output buffer limits disconnect a slow subscriber and discard its buffer, and a broker crash keeps nothing.
import { describe, expect, it } from "vitest";
import { evaluateChecks } from "../../../src/index.js";
import { messagesIn, redis, run } from "./run.js";

const tenPerSecond = { name: "p", arrival: { process: "constant", rate: "10/s" } };
const hundredPerSecond = { name: "p", arrival: { process: "constant", rate: "100/s" } };
/** ioredis 5's default retryStrategy: attempt n after min(n x 50, 2000) ms, no jitter. */
const ioredis5 = { reconnectGrowth: "linear", reconnectMax: "2s", reconnectJitter: "0ms" };

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
      broker: redis("redis-pubsub", {
        "client-output-buffer-limit": "10kb 0 0",
        reconnectBase: "100ms",
        reconnectJitter: "0ms",
        socketBuffers: 0,
      }),
      producers: [hundredPerSecond],
      consumers: [{ group: "g", processing: "1s" }],
    });
    // m0 is being processed; m1..m10 wait in the buffer, 1,034 B each as RESP frames: 10,340 B >= 10 KiB
    // disconnects it as m10 arrives.
    expect(messagesIn(log.matching("output-buffer-limit"), "dropped")).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(log.matching("output-buffer-limit").every((line) => line.startsWith("t=110000 "))).toBe(true);
    // Resubscribed 100 ms later: m11..m19 find no subscriber.
    expect(messagesIn(log.matching("no-subscriber"), "dropped")).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(result.counts).toMatchObject({ accepted: 29, lost: 19, dropped: 19 });
  });

  it("disconnects a subscriber that stays over the soft limit for longer than its seconds", () => {
    const { log } = run({
      duration: "1.2s",
      broker: redis("redis-pubsub", { "client-output-buffer-limit": "0 5kb 1", socketBuffers: 0 }),
      producers: [hundredPerSecond],
      consumers: [{ group: "g", processing: "1s" }],
    });
    // Over 5 KiB from m5 (60 ms: five 1,034-byte frames); still over at the check 1 s later, so m106
    // (1.07 s) disconnects it.
    const first = log.matching("output-buffer-limit")[0];
    expect(first).toBe("t=1070000 dropped m2 g0 output-buffer-limit");
  });

  it("keeps nothing through a broker crash: buffered messages are lost and publishes are refused", () => {
    const { result, log } = run({
      duration: "1s",
      broker: redis("redis-pubsub", { socketBuffers: 0, ...ioredis5 }),
      producers: [hundredPerSecond],
      consumers: [{ group: "g", processing: "50ms" }],
      faults: [{ at: "500ms", crash: "broker", restartAfter: "100ms" }],
    });
    expect(log.matching("broker-crash").length).toBeGreaterThan(20);
    // Refused while down (500..590 ms). ioredis tries again 50 ms after the drop (550 ms: refused), then
    // 100 ms later (650 ms): 600..640 ms find no subscriber.
    expect(result.counts.rejected).toBe(10);
    expect(log.matching("no-subscriber")).toHaveLength(5);
    expect(result.counts.lost).toBe(result.counts.dropped);
  });

  it("lets a disconnected subscriber still read what the kernel's socket buffers held", () => {
    const { result, log } = run({
      duration: "300ms",
      broker: redis("redis-pubsub", {
        "client-output-buffer-limit": "10kb 0 0",
        socketBuffers: 5170,
        reconnectJitter: "0ms",
      }),
      producers: [hundredPerSecond],
      consumers: [{ group: "g", processing: "1s" }],
    });
    // m1..m5 (5 x 1,034 B) sit in the socket; m6..m15 fill the output buffer to 10,340 B >= 10 KiB.
    expect(messagesIn(log.matching("output-buffer-limit"), "dropped")).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(log.matching("output-buffer-limit")[0]).toMatch(/^t=160000 /);
    // m0..m5 are processed one a second, the socket's five after the disconnect; m16..m19 come while it
    // reconnects (50 ms), and from m20 on it is subscribed again.
    expect(messagesIn(log.lines, "consumed").slice(0, 7)).toEqual([0, 1, 2, 3, 4, 5, 20]);
    expect(messagesIn(log.matching("no-subscriber"), "dropped")).toEqual([16, 17, 18, 19]);
    expect(result.counts.lost).toBe(14);
  });

  it("keeps a frozen subscriber subscribed until the output buffer limit disconnects it", () => {
    const frozen = (mode: string) =>
      run({
        duration: "400ms",
        broker: redis("redis-pubsub", { "client-output-buffer-limit": "10kb 0 0", socketBuffers: 0 }),
        producers: [hundredPerSecond],
        consumers: [{ group: "g", processing: "1ms" }],
        faults: [{ at: "105ms", crash: "consumer", target: "g", mode }],
      }).log;
    // Frozen at 105 ms: Redis writes m10.. to it until ten frames (m10..m19, 200 ms) pass 10 KiB.
    const hang = frozen("hang");
    expect(messagesIn(hang.matching("output-buffer-limit"), "dropped")).toEqual([
      10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    ]);
    expect(hang.matching("no-subscriber")[0]).toMatch(/^t=210000 dropped m20 /);
    // A killed process's socket closes at once: m10 already finds nobody.
    expect(frozen("process").matching("no-subscriber")[0]).toMatch(/^t=110000 dropped m10 /);
  });

  it("reconnects after a broker restart at the client's next backoff attempt, not at once (linear, ioredis 5)", () => {
    const { log } = run({
      duration: "2s",
      broker: redis("redis-pubsub", ioredis5),
      producers: [hundredPerSecond],
      consumers: [{ group: "g", processing: "1ms" }],
      faults: [{ at: "505ms", crash: "broker", restartAfter: "1s" }],
    });
    // Attempts 50, 100, 150, 200, 250, 300 ms apart: 555, 655, 805, 1005, 1255 (all refused), 1555 ms.
    // Back at 1,505 ms, so 1.51 .. 1.55 s find no subscriber.
    expect(messagesIn(log.matching("no-subscriber"), "dropped")).toEqual([150, 151, 152, 153, 154]);
  });

  it("backs off exponentially by default, as ioredis 6 does", () => {
    const { log } = run({
      duration: "2.5s",
      broker: redis("redis-pubsub", { reconnectJitter: "0ms" }),
      producers: [hundredPerSecond],
      consumers: [{ group: "g", processing: "1ms" }],
      faults: [{ at: "505ms", crash: "broker", restartAfter: "1s" }],
    });
    // Attempts 50, 100, 200, 400, 800 ms apart: 555, 655, 855, 1255 (refused), 2055 ms. Back at 1,505 ms.
    const missed = messagesIn(log.matching("no-subscriber"), "dropped");
    expect([missed[0], missed.at(-1), missed.length]).toEqual([150, 204, 55]);
  });

  it("adds up to reconnectJitter to each attempt, from a seeded stream", () => {
    const gap = (seed: number) =>
      run({
        seed,
        duration: "2.5s",
        broker: redis("redis-pubsub"),
        producers: [hundredPerSecond],
        consumers: [{ group: "g", processing: "1ms" }],
        faults: [{ at: "505ms", crash: "broker", restartAfter: "1s" }],
      }).log.matching("no-subscriber").length;
    // Each attempt is 0-199 ms late, so the fourth (1,255 ms without jitter) may already find Redis back
    // and the fifth comes by 3,050 ms at the latest: 0 to 155 messages missed, the same for the same seed.
    const gaps = [1, 2, 3, 4, 5].map(gap);
    for (const missed of gaps) expect(missed).toBeLessThanOrEqual(155);
    expect(new Set(gaps).size).toBeGreaterThan(1);
    expect(gap(3)).toBe(gaps[2]);
  });
});
