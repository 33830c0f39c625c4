// Proves FIFO throttling: 300 calls per second per API action (SendMessage, ReceiveMessage, DeleteMessage, ChangeMessageVisibility), per partition in high-throughput mode so a hot message group is capped, and the AWS SDK's standard-mode retries of a throttled call.
import { describe, expect, it } from "vitest";
import { FifoAction, FifoThroughput } from "../../../src/brokers/sqs/fifo-throughput.js";
import { SdkRetry } from "../../../src/brokers/sqs/sdk-retry.js";
import { deterministicFifo, run } from "./run.js";

const highThroughput = { FifoThroughputLimit: "perMessageGroupId", DeduplicationScope: "messageGroup" };

/** The most events in any one-second window, from their times in microseconds (sorted). */
function busiestSecond(times: number[]): number {
  let most = 0;
  let first = 0;
  for (let last = 0; last < times.length; last++) {
    while (times[first]! <= times[last]! - 1_000_000) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

const timesOf = (lines: string[]) => lines.map((line) => Number(line.split(" ")[0]!.slice(2)));

/** A producer at `rate` for 2 s; with one SDK attempt, every send over the quota fails at once. */
function sendBurst(rate: string, settings: Record<string, unknown>, keys?: number) {
  return run({
    duration: "2s",
    broker: { profile: "sqs-fifo", settings: { ...deterministicFifo, ...settings } },
    producers: [{ name: "p", arrival: { process: "constant", rate }, ...(keys ? { keys: { count: keys } } : {}) }],
    consumers: [{ group: "g", instances: 2, processing: "1ms" }],
  });
}

describe("sqs-fifo throttling", () => {
  it("takes 300 calls of an action in any second and refuses the 301st, per queue or per partition", () => {
    const quota = new FifoThroughput(1);
    const calls = (action: FifoAction, at: number, count: number) =>
      Array.from({ length: count }, () => quota.admits(action, 0, 7, at)).filter(Boolean).length;
    expect(calls(FifoAction.send, 0, 301)).toBe(300);
    // Each action has its own quota.
    expect(calls(FifoAction.delete, 0, 300)).toBe(300);
    expect(calls(FifoAction.send, 999_999, 1)).toBe(0);
    expect(calls(FifoAction.send, 1_000_000, 1)).toBe(1);
    // High throughput: a group always maps to the same partition, and groups spread over partitions.
    const partitioned = new FifoThroughput(234);
    expect(partitioned.partitionOf(42)).toBe(partitioned.partitionOf(42));
    const used = new Set(Array.from({ length: 1000 }, (_, group) => partitioned.partitionOf(group)));
    expect(used.size).toBeGreaterThan(200);
  });

  it("backs off like the AWS SDK's standard retry mode: [0, 500 ms) then [0, 1 s), three attempts", () => {
    const retry = new SdkRetry(3, () => 0.5);
    expect([retry.delayAfter(1), retry.delayAfter(2), retry.delayAfter(3)]).toEqual([250_000, 500_000, -1]);
    expect(new SdkRetry(10, () => 0.999).delayAfter(9)).toBe(20_000_000);
  });

  it("refuses SendMessage beyond 300 per second: with one SDK attempt, each such send fails at once", () => {
    expect(sendBurst("250/s", { sdkMaxAttempts: 1 }).result.counts).toMatchObject({ published: 499, rejected: 0 });
    const { log, result } = sendBurst("500/s", { sdkMaxAttempts: 1 });
    // m0..m299 are sent at 2..600 ms; m300 at 602 ms is the 301st in a second. m500, at 1,002 ms, is taken
    // again: m0 has left the window.
    expect(log.matching("rejected")[0]).toBe("t=602000 rejected m300");
    expect(log.lines).toContain("t=1002000 accepted m500");
    expect(result.counts).toMatchObject({ published: 999, accepted: 600, rejected: 399, lost: 0 });
    expect(result.blockedMicros).toBe(0);
  });

  it("retries a throttled SendMessage with backoff (3 attempts): most sends of a burst get through, never 301 in a second", () => {
    const { log, result } = sendBurst("500/s", {});
    const accepted = timesOf(log.matching("accepted"));
    expect(busiestSecond(accepted)).toBe(300);
    // The first send after the quota filled is taken only once m0 leaves the window, at 1,002 ms.
    expect(accepted[300]).toBeGreaterThanOrEqual(1_002_000);
    expect(result.counts.accepted + result.counts.rejected).toBe(999);
    expect(result.counts.rejected).toBeGreaterThan(0);
    expect(result.counts.rejected).toBeLessThan(399);
  });

  it("in high-throughput mode caps a hot message group at one partition's 300 sends per second", () => {
    const options = { ...highThroughput, sdkMaxAttempts: 1 };
    // One group (one key): its partition takes 300 per second, as a queue without high throughput does.
    expect(sendBurst("500/s", options, 1).result.counts).toMatchObject({ accepted: 600, rejected: 399 });
    // 50 groups of 10 sends per second each spread over the partitions: nothing is throttled.
    expect(sendBurst("500/s", options, 50).result.counts).toMatchObject({ accepted: 999, rejected: 0 });
    // The same 50 groups without high throughput share the queue's 300.
    expect(sendBurst("500/s", { sdkMaxAttempts: 1 }, 50).result.counts).toMatchObject({ rejected: 399 });
  });

  it("throttles ReceiveMessage: 20 consumers draining a backlog get 300 receives per second, not thousands", () => {
    const backlog = (profile: string) =>
      run({
        duration: "2s",
        drainTimeout: "1m",
        broker: { profile, settings: { WaitTimeSeconds: 20, ...(profile === "sqs" ? { reorderWindow: 1 } : {}) } },
        producers: [{ name: "p", arrival: { process: "constant", rate: "250/s" }, keys: { count: 500 } }],
        consumers: [{ group: "g", instances: 20, processing: "1ms" }],
        faults: [{ at: "0s", crash: "consumer", target: "g", restartAfter: "2s" }],
      });
    const fifo = backlog("sqs-fifo");
    const received = timesOf(fifo.log.matching("delivered"));
    expect(received).toHaveLength(499);
    expect(busiestSecond(received)).toBe(300);
    // A standard queue has no such quota: the same backlog is received within 25 ms of the restart.
    const standard = timesOf(backlog("sqs").log.matching("delivered"));
    expect(standard.at(-1)! - 2_000_000).toBeLessThan(25_000);
    expect(fifo.result.counts).toMatchObject({ consumed: 499, duplicated: 0 });
  });

  it("throttles ChangeMessageVisibility: heartbeats beyond 300 in a second fail, and their messages come back", () => {
    const heartbeats = (sdkMaxAttempts: number) =>
      run({
        duration: "2s",
        drainTimeout: "2m",
        broker: {
          profile: "sqs-fifo",
          settings: {
            ...deterministicFifo,
            MaxNumberOfMessages: 10,
            sdkMaxAttempts,
            visibilityHeartbeat: { every: "20s", extendTo: "30s" },
          },
        },
        producers: [{ name: "p", arrival: { process: "constant", rate: "200/s" }, keys: { count: 1000 } }],
        consumers: [{ group: "g", instances: 4, concurrency: 100, processing: "25s" }],
        faults: [{ at: "0s", crash: "consumer", target: "g", restartAfter: "2s" }],
      }).log.matching("delivered");
    const within = (lines: string[], fromSeconds: number) =>
      timesOf(lines).filter((t) => t >= fromSeconds * 1_000_000 && t < (fromSeconds + 1) * 1_000_000).length;
    // The backlog is received within the second after the restart, so the first heartbeats, 20 s after
    // each receive, fall within one second too: 300 are taken and the rest throttled. With one attempt
    // they fail, and exactly those messages become visible 30 s after their receive, at 32 s.
    const once = heartbeats(1);
    expect(within(once, 2)).toBeGreaterThan(300);
    expect(within(once, 32)).toBe(within(once, 2) - 300);
    // The SDK's retries save most of them.
    expect(within(heartbeats(3), 32)).toBeLessThan(within(once, 32));
  });

  it("throttles DeleteMessage: batches deleted faster than 300 per second lose deletes the SDK gives up on", () => {
    const drain = (sdkMaxAttempts: number) =>
      run({
        duration: "2s",
        drainTimeout: "2m",
        broker: { profile: "sqs-fifo", settings: { ...deterministicFifo, MaxNumberOfMessages: 10, sdkMaxAttempts } },
        producers: [{ name: "p", arrival: { process: "constant", rate: "250/s" }, keys: { count: 500 } }],
        consumers: [{ group: "g", instances: 20, concurrency: 10, processing: "1ms" }],
        faults: [{ at: "0s", crash: "consumer", target: "g", restartAfter: "2s" }],
      }).result.counts;
    // A failed delete leaves the message in flight: it comes back after its 30 s timeout, a duplicate.
    const once = drain(1);
    const thrice = drain(3);
    expect(once.duplicated).toBeGreaterThan(0);
    expect(thrice.duplicated).toBeLessThan(once.duplicated);
    expect([once.lost, thrice.lost, once.pending, thrice.pending]).toEqual([0, 0, 0, 0]);
  });
});
