// Proves the kafka cluster: acks=1 loses exactly the records not yet replicated when the leader fails over, acks=all loses none, min.insync.replicas refuses writes once the ISR shrinks, a dead follower in the ISR stalls acks=all writes and reads, unclean election trades loss for availability, and placement follows Kafka's default assignment.
import { describe, expect, it } from "vitest";
import { assignReplicas } from "../../../src/brokers/kafka/placement.js";
import { validateScenario } from "../../../src/index.js";
import { consumptions, FLAT_COST, runKafka } from "./run.js";

/**
 * Three brokers, one partition (leader broker/1, followers broker/2 and broker/3), a record every 1 ms
 * (appended 5 us later), 1 ms between brokers. In steady state each follower's fetch reaches the leader every
 * 2 ms (at odd milliseconds + 5 us, just before that instant's append) and takes the records appended since the
 * last one: 2 records per round, and the high watermark moves 2 records every 2 ms.
 */
function cluster(settings: Record<string, unknown>, faults: unknown[], consumerSettings: Record<string, unknown> = {}) {
  return runKafka({
    duration: "40s",
    broker: {
      profile: "kafka",
      brokers: 3,
      ...FLAT_COST,
      brokerLatency: "1ms",
      settings: {
        "group.initial.rebalance.delay.ms": 0,
        "linger.ms": 0,
        "default.replication.factor": 3,
        ...consumerSettings,
        ...settings,
      },
    },
    producers: [{ name: "p", arrival: { process: "constant", rate: "1000/s" } }],
    consumers: [{ group: "billing", processing: "100us" }],
    faults,
  });
}

const crash = (target: string, at: string, restartAfter: string) => ({ at, crash: "broker", target, restartAfter });

/**
 * Writes refused while a partition has no leader, or too small an ISR, get a retriable error: the producer's client
 * sends them again (backoff up to 1 s) until delivery.timeout.ms (120 s). Every outage below is shorter, so no
 * record fails: each waits out the outage, and the worst end-to-end latency is the outage plus one backoff.
 */
function outcome(result: ReturnType<typeof cluster>["result"]) {
  return { rejected: result.counts.rejected, lost: result.counts.lost, worstLatency: result.endToEnd.max };
}

function dropReasons(log: ReturnType<typeof cluster>["log"]): Record<string, number> {
  return log.matching("dropped").reduce<Record<string, number>>((count, line) => {
    const reason = line.split(" ").at(-1)!;
    count[reason] = (count[reason] ?? 0) + 1;
    return count;
  }, {});
}

describe("kafka replication", () => {
  it("places replicas as Kafka's default assignment does, from start index 0", () => {
    expect(assignReplicas(4, 3, 3).map((replicas) => [...replicas])).toEqual([
      [0, 1, 2],
      [1, 2, 0],
      [2, 0, 1],
      [0, 2, 1],
    ]);
    expect(assignReplicas(3, 5, 2).map((replicas) => [...replicas])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it("acks=1: a leader crash loses exactly the records appended since the followers' last answered fetch", () => {
    // broker/1 dies at 2000.5 ms. The followers' last request reached it at 1999.005 ms and took up to m1997;
    // m1998 (appended at 1999.005 ms, just after) and m1999 (2000.005 ms) waited for the next request, due at
    // 2001.005 ms: 2 records. The controller fences broker/1 at 11000.5 ms (broker.session.timeout.ms 9 s) and
    // elects broker/2, whose log lacks them: dropped as leader-failover. Meanwhile the partition has no leader, and
    // the producer retries the 9,000 records sent in those 9 s until broker/2 takes them.
    const { result, log } = cluster({ acks: 1 }, [crash("broker/1", "2000500us", "20s")]);
    expect(dropReasons(log)).toEqual({ "leader-failover": 2 });
    expect(log.matching("dropped")[0]).toBe("t=11000500 dropped m1998 g0 leader-failover");
    expect(outcome(result)).toEqual({ rejected: 0, lost: 2, worstLatency: 9_108_935 });
    expect(result.counts.consumed).toBe(result.counts.accepted - 2);
    // The first record consumed after the crash is m1996: broker/2 had it, but the high watermark had not reached it.
    const after = consumptions(log).find((c) => c.at > 2_000_500);
    expect(after).toEqual({ at: 11_001_600, message: 1996 });
  });

  it("acks=all: the same crash loses nothing; the 2 unreplicated records were never confirmed and are sent again", () => {
    const { result, log } = cluster({ acks: "all" }, [crash("broker/1", "2000500us", "20s")]);
    expect(log.matching("dropped")).toEqual([]);
    expect(outcome(result)).toEqual({ rejected: 0, lost: 0, worstLatency: 9_110_935 });
    expect(result.counts.consumed).toBe(result.counts.published);
    // m1996 and m1997 reached the followers, but the leader died before their next request told it so: broker/2
    // has them and serves them first. m1998 and m1999 were cut off with broker/1's log: the producer resends them.
    const after = consumptions(log)
      .filter((c) => c.at > 2_000_500)
      .slice(0, 6);
    expect(after.map((c) => c.message)).toEqual([1996, 1997, 1998, 1999, 2000, 2001]);
  });

  it("min.insync.replicas 2: with both followers down, acks=all writes wait, then are refused once the ISR shrinks", () => {
    // Both followers die at 2000.5 ms and stay in the ISR until fenced at 11000.5 ms: writes are taken but wait
    // for them (9 s). Then the ISR is the leader alone: NotEnoughReplicas, retried, until they return at 22000.5 ms
    // and catch up within a few fetch rounds: the records sent at 11 s wait 11 s.
    const { result, log } = cluster({ "min.insync.replicas": 2 }, [
      crash("broker/2", "2000500us", "20s"),
      crash("broker/3", "2000500us", "20s"),
    ]);
    expect(outcome(result)).toEqual({ rejected: 0, lost: 0, worstLatency: 11_181_386 });
    // Records written before the fencing (up to m10999) were confirmed when the ISR shrank; later ones are read
    // only once the followers are back in the ISR, after 22000.5 ms.
    const early = consumptions(log).filter((c) => c.message >= 11_000 && c.at < 22_000_500);
    expect(early).toEqual([]);
    expect(consumptions(log).find((c) => c.message === 10_999)!.at).toBeLessThan(12_000_000);
  });

  it("a dead follower still in the ISR stalls the high watermark until it is fenced (9 s) or dropped for lag (30 s)", () => {
    // broker/3's last request (at 1999.005 ms) told the leader it had up to m1995; it died at 2000.5 ms before
    // the next: from m1996 on, every record waits for a follower that will never fetch it.
    const firstAfter = (sessionTimeout: number) => {
      const { result, log } = cluster({ "broker.session.timeout.ms": sessionTimeout }, [
        crash("broker/3", "2000500us", "35s"),
      ]);
      expect(result.counts.lost).toBe(0);
      return { first: consumptions(log).find((c) => c.at > 2_100_000), max: result.endToEnd.max };
    };
    // Fenced by the controller at 11000.5 ms: it leaves the ISR and m1996 is consumed 100 us later.
    expect(firstAfter(9000)).toEqual({ first: { at: 11_000_600, message: 1996 }, max: 9_003_600 });
    // With a longer broker session, the leader drops it after replica.lag.time.max.ms: 30 s of stalled writes and reads.
    expect(firstAfter(60_000)).toEqual({ first: { at: 32_000_600, message: 1996 }, max: 30_003_600 });
  });

  /** Followers die at 2000.5 ms (fenced at 11000.5), the leader at 12000.5 ms (fenced at 21000.5); all return 15 s later. */
  const lastReplicaStanding = (unclean: boolean, consumerSettings: Record<string, unknown> = {}) =>
    cluster(
      { "unclean.leader.election.enable": unclean },
      [
        crash("broker/2", "2000500us", "15s"),
        crash("broker/3", "2000500us", "15s"),
        crash("broker/1", "12000500us", "15s"),
      ],
      consumerSettings,
    );

  it("unclean election off: the partition is offline until its last ISR replica returns, and nothing is lost", () => {
    const { result, log } = lastReplicaStanding(false);
    // broker/2 and broker/3 are back at 17000.5 ms but out of sync; broker/1, the ISR, returns at 27000.5 ms.
    expect(outcome(result)).toEqual({ rejected: 0, lost: 0, worstLatency: 15_976_320 });
    // The consumer finishes the 4 records it had fetched before broker/1 died (by 12000.9 ms), then reads nothing.
    expect(consumptions(log).filter((c) => c.at > 12_001_000 && c.at < 27_000_500)).toEqual([]);
    expect(result.counts.consumed).toBe(result.counts.published);
  });

  it("unclean election on: an out-of-sync replica leads when the leader is fenced, and what it lacks is lost", () => {
    const { result, log } = lastReplicaStanding(true);
    // broker/2 (back since 17000.5 ms, holding the log up to m1997) leads from 21000.5 ms: 6 s sooner than above.
    // Every record after its log end is gone. The group had read them all: with the ISR down to broker/1 alone,
    // the high watermark was its log end, so nothing it had not consumed is dropped.
    expect(outcome(result)).toEqual({ rejected: 0, lost: 0, worstLatency: 9_108_935 });
    expect(dropReasons(log)).toEqual({});
    // A group that had read nothing yet (it forms at 25 s) loses all of them: m1998 to m11999.
    const late = lastReplicaStanding(true, { "group.initial.rebalance.delay.ms": 25_000 });
    expect(dropReasons(late.log)).toEqual({ "unclean-leader-election": 10_002 });
    expect(late.result.counts.lost).toBe(10_002);
  });

  it("validates a broker node target against the cluster size, and refuses it for single-node profiles", () => {
    const issues = (broker: Record<string, unknown>, target: string) => {
      const result = validateScenario({
        name: "t",
        duration: "1s",
        broker,
        producers: [{ name: "p", rate: "10/s" }],
        consumers: [{ group: "g", processing: "1ms" }],
        faults: [{ at: "1s", crash: "broker", target }],
      });
      return result.ok ? [] : result.issues.map((issue) => [issue.path.join("."), issue.message, issue.hint]);
    };
    expect(issues({ profile: "kafka", brokers: 3 }, "broker/3")).toEqual([]);
    expect(issues({ profile: "kafka", brokers: 3 }, "broker/4")).toEqual([
      [
        "faults.0.target",
        '"broker/4" is not a broker of this cluster: broker.brokers is 3, so broker/1 to broker/3',
        'did you mean "broker/3"?',
      ],
    ]);
    expect(issues({ profile: "rabbitmq" }, "broker/1")).toEqual([
      [
        "faults.0.target",
        '"broker/1": profile rabbitmq models a single broker node; crash it with target broker (or no target)',
        'did you mean "broker"?',
      ],
    ]);
  });

  it("refuses a replication factor above the broker count, and a broker node the cluster does not have", () => {
    const result = validateScenario({
      name: "t",
      duration: "1s",
      broker: { profile: "kafka", brokers: 2, settings: { "default.replication.factor": 3 } },
      producers: [{ name: "p", rate: "10/s" }],
      consumers: [{ group: "g", processing: "1ms" }],
      faults: [{ at: "1s", crash: "broker", target: "broker/3" }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([
      [
        "broker.settings.default.replication.factor",
        "replication factor 3 is larger than the 2 broker(s) of the cluster: Kafka refuses it (InvalidReplicationFactorException); set broker.brokers to at least 3",
      ],
    ]);
  });
});
