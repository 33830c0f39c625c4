// Proves fetch-driven replication exactly: the leader learns a follower's progress from its next fetch request, so an acks=all record is confirmed two broker-to-broker latencies after its append when the followers' fetches were waiting, up to four when one was in flight; replica.fetch.min.bytes holds a fetch back until enough bytes arrive or replica.fetch.wait.max.ms passes.
import { describe, expect, it } from "vitest";
import { FLAT_COST, runKafka } from "./run.js";

/** Three brokers, RF 3, 1 ms between brokers, the leader's 5 us per record; `rate` records/s from 1/rate. */
function replicated(rate: string, limit: number, settings: Record<string, unknown> = {}) {
  const { log } = runKafka({
    duration: "2s",
    broker: {
      profile: "kafka",
      brokers: 3,
      brokerLatency: "1ms",
      ...FLAT_COST,
      settings: { "group.initial.rebalance.delay.ms": 0, "linger.ms": 0, "default.replication.factor": 3, ...settings },
    },
    producers: [{ name: "p", arrival: { process: "constant", rate }, limit }],
    consumers: [{ group: "g", processing: "100us" }],
  });
  return log.matching("accepted").map((line) => Number(line.split(" ")[0]!.slice(2)));
}

describe("kafka follower fetching", () => {
  it("confirms an acks=all record two latencies after its append when the followers' fetches were waiting", () => {
    // The followers' first fetches reach the leader at 1 ms and wait there (nothing to return). m0 is appended at
    // 10.005 ms and completes them at once; the responses reach the followers at 11.005 ms; their next requests
    // reach the leader at 12.005 ms carrying offset 1, and the high watermark moves: m0 is confirmed. Likewise m1.
    expect(replicated("100/s", 2)).toEqual([12_005, 22_005]);
  });

  it("a record appended while a fetch is in flight waits for the next round: up to four latencies", () => {
    // m0 is appended at 0.505 ms, while the followers' first requests are on the way (they arrive at 1 ms, are
    // answered with m0, and the next requests at 3 ms confirm it). m1, appended at 1.005 ms, just missed the answer
    // at 1 ms: it goes out with the round answered at 3 ms and is confirmed at 5 ms, 3.995 ms after its append.
    expect(replicated("2000/s", 2)).toEqual([3_000, 5_000]);
  });

  it("replica.fetch.min.bytes holds a fetch until enough bytes arrive, or replica.fetch.wait.max.ms", () => {
    // 1 KB records (1000 bytes), min bytes 1500: m0 alone (10.005 ms) is not enough, so the fetch waits; m1
    // (20.005 ms) completes it, and both are confirmed one round later, at 22.005 ms.
    expect(replicated("100/s", 2, { "replica.fetch.min.bytes": 1500 })).toEqual([22_005, 22_005]);
    // A lone record waits out replica.fetch.wait.max.ms (here 50 ms), counted from the moment some data, but too
    // little, was there (10.005 ms; fetch.ts says why): answered at 60.005 ms, confirmed at 62.005 ms.
    expect(replicated("100/s", 1, { "replica.fetch.min.bytes": 1500, "replica.fetch.wait.max.ms": 50 })).toEqual([
      62_005,
    ]);
  });
});
