// Proves the kafka consumer-group rules: range assignment, the initial rebalance delay, detection only after session.timeout.ms, kicks after max.poll.interval.ms, and cooperative-sticky keeping partitions in place.
import { describe, expect, it } from "vitest";
import { deliveries, runKafka } from "./run.js";

/** Partitions each consumer received records from, by consumer index. */
function partitionsByConsumer(log: ReturnType<typeof runKafka>["log"], until = Number.POSITIVE_INFINITY) {
  const owned = new Map<number, Set<number>>();
  for (const d of deliveries(log)) {
    if (d.at > until) continue;
    owned.set(d.consumer, (owned.get(d.consumer) ?? new Set()).add(log.messages.partition[d.message]!));
  }
  return [...owned.keys()].sort((a, b) => a - b).map((c) => [...owned.get(c)!].sort((a, b) => a - b));
}

describe("kafka consumer groups", () => {
  it("range-assigns 12 partitions over 5 consumers as 3, 3, 2, 2, 2", () => {
    const { log } = runKafka(
      {
        duration: "2s",
        producers: [{ name: "p", rate: "2000/s", keys: { count: 1000 } }],
        consumers: [{ group: "billing", instances: 5, processing: "100us" }],
      },
      {},
      12,
    );
    expect(partitionsByConsumer(log)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
      [8, 9],
      [10, 11],
    ]);
  });

  it("leaves consumers beyond the partition count idle", () => {
    const { log } = runKafka(
      {
        duration: "1s",
        producers: [{ name: "p", rate: "500/s", keys: { count: 100 } }],
        consumers: [{ group: "billing", instances: 3, processing: "100us" }],
      },
      {},
      2,
    );
    expect(partitionsByConsumer(log)).toEqual([[0], [1]]);
  });

  it("waits group.initial.rebalance.delay.ms for a forming group, and again while members keep joining", () => {
    const firstDelivery = (instances: number) => {
      const { log } = runKafka(
        {
          duration: "8s",
          producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" } }],
          consumers: [{ group: "billing", instances, processing: "1ms" }],
        },
        { "group.initial.rebalance.delay.ms": 3000 },
      );
      return deliveries(log)[0]!.at;
    };
    // One member: one delay. Several joining together: the others joined during the first delay, so one more.
    expect(firstDelivery(1)).toBe(3_000_000);
    expect(firstDelivery(3)).toBe(6_000_000);
  });

  it("notices a crashed member only when its session expires: session.timeout.ms after its last heartbeat", () => {
    const firstReplay = (settings: Record<string, unknown>) => {
      const { log } = runKafka(
        {
          duration: "8s",
          producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
          consumers: [{ group: "billing", instances: 2, processing: "1ms" }],
          faults: [{ at: "7250500us", crash: "consumer", target: "billing/1", restartAfter: "60s" }],
        },
        settings,
      );
      const all = deliveries(log);
      const afterCrash = all.filter((d) => d.at > 7_250_500);
      return { first: afterCrash[0]!, replays: all.filter((d) => d.attempt > 1).length };
    };
    // Heartbeats every 3 s from the group forming at 0: the last before the crash went at 6 s.
    // (billing/1 restarts when the faults heal at 8 s, but the group cannot rebalance without the dead member.)
    const defaults = firstReplay({});
    expect(defaults.first).toMatchObject({ at: 51_000_000, attempt: 2 });
    expect(defaults.replays).toBe(226);
    expect(firstReplay({ "session.timeout.ms": 10_000 }).first).toMatchObject({ at: 16_000_000, attempt: 2 });
  });

  it("kicks a member whose batch outlasts max.poll.interval.ms: its partition moves and its commits fail", () => {
    // Keys 0 and 1 land in partitions 1 and 0. billing/1 (c0) owns partition 0 and turns 1000x slower at 1 s.
    const { result, log } = runKafka(
      {
        duration: "12s",
        producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" }, keys: { count: 2 } }],
        consumers: [{ group: "billing", instances: 2, processing: "1ms" }],
        faults: [{ at: "1s", for: "10s", slow: { target: "billing/1", factor: 1000 } }],
      },
      { "max.poll.interval.ms": 2000 },
      2,
    );
    const all = deliveries(log);
    const onPartition0 = all.filter((d) => log.messages.partition[d.message] === 0);
    const slowPoll = onPartition0.filter((d) => d.consumer === 0).at(-1)!.at;
    expect(slowPoll).toBe(2_000_005);
    // Kicked at 4.000005 s; billing/2 hears of the rebalance with its next heartbeat, at 6 s, and takes partition 0.
    const moved = onPartition0.find((d) => d.consumer === 1)!;
    expect(moved).toMatchObject({ at: 6_000_000, attempt: 2 });
    // billing/1 never committed (its first auto-commit was due at 5 s), so billing/2 replays the partition from 0,
    // including what billing/1 goes on processing after the kick.
    const kickedWork = log.matching("consumed").filter((line) => line.includes(" c0 ") && lineTime(line) > 4_000_005);
    expect(kickedWork.length).toBeGreaterThan(5);
    const replayedByC1 = new Set(all.filter((d) => d.consumer === 1 && d.attempt === 2).map((d) => d.message));
    for (const line of kickedWork) expect(replayedByC1.has(Number(line.split(" ")[2]!.slice(1)))).toBe(true);
    expect(result.counts.duplicated).toBeGreaterThan(0);
    expect(result.counts.lost).toBe(0);
  });

  it("cooperative-sticky moves only the partitions it must; range reshuffles live members' partitions too", () => {
    // billing/1 (c0) crashes at 5 s; its session expires at 48 s; it restarts at 60 s and rejoins.
    const owners = (strategy: string) => {
      const { log } = runKafka(
        {
          duration: "70s",
          producers: [{ name: "p", arrival: { process: "constant", rate: "40/s" }, keys: { count: 40 } }],
          consumers: [{ group: "billing", instances: 3, processing: "1ms" }],
          faults: [{ at: "5s", crash: "consumer", target: "billing/1", restartAfter: "55s" }],
        },
        { "partition.assignment.strategy": strategy },
        4,
      );
      const ownerOf = (from: number, to: number) => {
        const owner = new Map<number, number>();
        for (const d of deliveries(log)) {
          if (d.at > from && d.at < to) owner.set(log.messages.partition[d.message]!, d.consumer);
        }
        return [0, 1, 2, 3].map((p) => owner.get(p));
      };
      return [ownerOf(0, 5_000_000), ownerOf(49_000_000, 60_000_000), ownerOf(60_000_000, 70_000_000)];
    };
    // Range: {0,1} {2} {3}; then c1 {0,1}, c2 {2,3} (partition 2 leaves c1, alive); then back to the start.
    expect(owners("range")).toEqual([
      [0, 0, 1, 2],
      [1, 1, 2, 2],
      [0, 0, 1, 2],
    ]);
    // Cooperative-sticky starts round-robin, c0 {0,3} c1 {1} c2 {2}. c1 and c2 keep theirs and share c0's;
    // when c0 returns, only partition 3 moves, from c2 (which gives it up at its next poll).
    expect(owners("cooperative-sticky")).toEqual([
      [0, 1, 2, 0],
      [1, 1, 2, 2],
      [1, 1, 2, 0],
    ]);
  });
});

function lineTime(line: string): number {
  return Number(line.split(" ")[0]!.slice(2));
}
