// Proves what a broker crash keeps: a process crash keeps every record written (the page cache survives), a host crash loses the records younger than pageCacheFlush on a single node even with acks=all, and with three replicas the survivors still hold them.
import { describe, expect, it } from "vitest";
import { FLAT_COST, runKafka } from "./run.js";

/** 10 records/s; the broker(s) crash at 5.0005 s for 1 s; a group that starts reading at 10 s. */
function crashAt5s(mode: "process" | "host", brokers = 1, target = "broker") {
  return runKafka({
    duration: "12s",
    broker: {
      profile: "kafka",
      brokers,
      pageCacheFlush: "1s",
      ...FLAT_COST,
      settings: {
        "linger.ms": 0,
        "group.initial.rebalance.delay.ms": 10_000,
        "default.replication.factor": brokers,
        "min.insync.replicas": Math.min(2, brokers),
      },
    },
    producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" } }],
    consumers: [{ group: "g", processing: "1ms" }],
    faults: [{ at: "5000500us", crash: "broker", target, mode, restartAfter: "1s" }],
  });
}

describe("kafka broker crash: process or host", () => {
  it("a process crash loses nothing written", () => {
    const { result, log } = crashAt5s("process");
    expect(log.matching("dropped")).toEqual([]);
    expect(result.counts.lost).toBe(0);
  });

  it("a host crash of a single node loses the last pageCacheFlush of records, acks=all confirmed or not", () => {
    // Records are appended at 0.1 s, 0.2 s, ... (5 us after each send). Those appended after 4.0005 s, m40 (4.1 s)
    // to m49 (5.0 s), were only in the page cache: when the broker comes back at 6.0005 s its log ends at m39.
    const { result, log } = crashAt5s("host");
    const dropped = log.matching("dropped");
    expect(dropped.length).toBe(10);
    expect(dropped[0]).toBe("t=6000500 dropped m40 g0 host-crash");
    expect(dropped.at(-1)).toBe("t=6000500 dropped m49 g0 host-crash");
    expect(result.counts.lost).toBe(10);
  });

  it("with RF 3 and min.insync.replicas 2, a host crash of the leader loses nothing: the followers have it all", () => {
    const { result, log } = crashAt5s("host", 3, "broker/1");
    expect(log.matching("dropped")).toEqual([]);
    expect(result.counts.lost).toBe(0);
    expect(result.counts.consumed).toBe(result.counts.published);
  });
});
