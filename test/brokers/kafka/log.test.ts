// Proves the kafka log rules: order per partition only, retention deleting unread records, auto.offset.reset, an offline partition while the broker is down, min.insync.replicas, linger.ms and per-partition lanes.
import { describe, expect, it } from "vitest";
import { evaluateChecks } from "../../../src/index.js";
import { consumptions, deliveries, runKafka } from "./run.js";

describe("kafka log", () => {
  it("keeps each partition in order with one consumer per partition, but not the producer's order across partitions", () => {
    const ordered = (ordering: string) =>
      runKafka(
        {
          duration: "2s",
          network: { latency: { dist: "lognormal", median: "300us", p99: "3ms" } },
          producers: [{ name: "p", rate: "500/s", keys: { count: 200, dist: "zipf", s: 1.1 } }],
          consumers: [{ group: "billing", instances: 4, processing: { dist: "exponential", mean: "500us" } }],
          expect: { ordering },
        },
        {},
        4,
      ).result;
    const perPartition = ordered("per-partition");
    expect(perPartition.counts.consumed).toBe(perPartition.counts.published);
    expect(perPartition.outOfOrder).toBe(0);
    expect(evaluateChecks(perPartition)[0]?.passed).toBe(true);
    expect(ordered("per-producer").outOfOrder).toBeGreaterThan(100);
  });

  it("deletes records older than retention.ms: those no one had read are dropped, consumed or not", () => {
    // billing/1 takes 5.005 s over the record published at 0.5 s; meanwhile records keep coming at 100/s.
    const run = (reset: string) =>
      runKafka(
        {
          duration: "10s",
          producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
          consumers: [{ group: "billing", processing: "1ms" }],
          faults: [{ at: "500ms", for: "1s", slow: { target: "billing/1", factor: 5005 } }],
        },
        { "retention.ms": 2000, "auto.offset.reset": reset },
      );
    const reasons = (log: ReturnType<typeof run>["log"]) =>
      log.matching("dropped").reduce<Record<string, number>>((count, line) => {
        const reason = line.split(" ").at(-1)!;
        count[reason] = (count[reason] ?? 0) + 1;
        return count;
      }, {});
    // Records published 0.51-3.50 s are 2 s old before billing/1 polls again at 5.505 s: 300 deleted unread.
    const earliest = run("earliest");
    expect(reasons(earliest.log)).toEqual({ retention: 300 });
    expect(earliest.log.matching("dropped")[0]).toBe("t=2510005 dropped m50 g0 retention");
    expect(earliest.result.counts.lost).toBe(300);
    expect(earliest.result.counts.consumed).toBe(699);
    // latest: the group's position fell behind the log start, so it jumps to the end and skips 3.51-5.50 s too.
    const latest = run("latest");
    expect(reasons(latest.log)).toEqual({ retention: 300, "auto.offset.reset": 200 });
    expect(latest.result.counts.lost).toBe(500);
  });

  it("holds publishes while the broker is down, retries them and keeps every stored record (replication factor 1)", () => {
    const { result, log } = runKafka({
      duration: "5s",
      producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
      consumers: [{ group: "billing", processing: "1ms" }],
      faults: [{ at: "2000500us", crash: "broker", restartAfter: "1s" }],
      expect: { delivery: "exactly-once" },
    });
    // Offline partition is retriable: nothing is refused for good, nothing is written or fetched while down.
    expect(log.matching("rejected")).toEqual([]);
    const accepted = log.matching("accepted").map((line) => Number(line.split(" ")[0]!.slice(2)));
    expect(accepted.filter((at) => at > 2_000_500 && at < 3_000_500)).toEqual([]);
    expect(deliveries(log).filter((d) => d.at > 2_000_500 && d.at < 3_000_500)).toEqual([]);
    expect(result.counts.lost + result.counts.duplicated + result.counts.pending + result.counts.rejected).toBe(0);
    expect(result.counts.consumed).toBe(result.counts.published);
    expect(evaluateChecks(result)[0]?.passed).toBe(true);
  });

  it("with acks=all, fails every write after delivery.timeout.ms when min.insync.replicas exceeds the one replica", () => {
    const run = (acks: unknown) =>
      runKafka(
        { duration: "1s", producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }] },
        { acks, "min.insync.replicas": 2, "request.timeout.ms": 1000, "delivery.timeout.ms": 2000 },
      );
    // NotEnoughReplicas is retriable: the producer retries each record until 2 s after its send, then gives up.
    const all = run("all");
    expect(all.result.counts).toMatchObject({ accepted: 0, rejected: 99, lost: 0, pending: 0 });
    expect(all.log.matching("rejected")[0]).toBe("t=2010000 rejected m0");
    expect(run(-1).result.counts).toMatchObject({ accepted: 0, rejected: 99 });
    expect(run(1).result.counts).toMatchObject({ accepted: 99, rejected: 0 });
  });

  it("holds records in the producer for linger.ms before they reach the log", () => {
    const { log } = runKafka(
      {
        duration: "100ms",
        producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" } }],
        consumers: [{ group: "billing", processing: "100us" }],
      },
      { "linger.ms": 5 },
    );
    const accepted = log.matching("accepted").map((line) => Number(line.split(" ")[0]!.slice(2)));
    // Records published every 1 ms are sent in batches 5 ms after the first (at 6 ms, 11 ms); the leader then
    // works through each batch at 5 us a record.
    expect(accepted.slice(0, 10)).toEqual([6005, 6010, 6015, 6020, 6025, 11005, 11010, 11015, 11020, 11025]);
  });

  it("with concurrency above 1, processes partitions in parallel but one record of a partition at a time", () => {
    const { log } = runKafka(
      {
        duration: "1s",
        producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" }, keys: { count: 50 } }],
        consumers: [{ group: "billing", concurrency: 4, processing: "5ms" }],
        expect: { ordering: "per-partition" },
      },
      { "group.initial.rebalance.delay.ms": 300 },
      4,
    );
    const partitionOf = (message: number) => log.messages.partition[message]!;
    const done = consumptions(log);
    const byPartition = [0, 1, 2, 3].map((p) => done.filter((c) => partitionOf(c.message) === p));
    for (const lane of byPartition) {
      expect(lane.map((c) => c.message)).toEqual([...lane.map((c) => c.message)].sort((a, b) => a - b));
      for (let i = 1; i < lane.length; i++) expect(lane[i]!.at - lane[i - 1]!.at).toBeGreaterThanOrEqual(5000);
    }
    const atOnce = new Map<number, number>();
    for (const c of done) atOnce.set(c.at, (atOnce.get(c.at) ?? 0) + 1);
    expect(Math.max(...atOnce.values())).toBe(4);
  });
});
