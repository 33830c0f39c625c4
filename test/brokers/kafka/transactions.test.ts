// Proves Kafka transactions end to end: commit: transactional applies each record's side effect exactly once through consumer crashes and kicks, and read_committed stops at the last stable offset, never returns aborted records, and waits out a hung transaction.
import { describe, expect, it } from "vitest";
import { evaluateChecks } from "../../../src/index.js";
import { formatPath } from "../../../src/scenario/issues.js";
import { validateScenario } from "../../../src/scenario/load.js";
import { scenarioInput } from "../../helpers/scenario.js";
import { consumptions, deliveries, runKafka } from "./run.js";

const TRANSACTIONAL = { "enable.auto.commit": false, commit: "transactional" };

/**
 * Consume-transform-produce. One partition, two consumers: billing/1 owns it, billing/2 idles. A record
 * every 10 ms from 10 ms; the group forms at 2 s (two 1 s initial-rebalance delays), so billing/1's first
 * poll returns the 199-record backlog (the record of 2 s is accepted 5 us after the poll), processed 2 ms each. It crashes at the first `point` after 2.1 s,
 * in the 50th record of that batch. The heal restarts it at 3 s as a new member; when its old session expires
 * (47 s) the rebalance gives the partition back to it (first in instance order), from the committed offset.
 */
function crashInBatch(point: string, settings: Record<string, unknown>) {
  return runKafka(
    {
      duration: "3s",
      producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
      consumers: [{ group: "billing", instances: 2, processing: "2ms" }],
      faults: [{ at: "2100ms", crash: "consumer", target: "billing/1", point }],
      expect: { delivery: "at-least-once", sideEffects: "exactly-once" },
    },
    { "group.initial.rebalance.delay.ms": 1000, ...settings },
  );
}

describe("kafka commit: transactional (consume-transform-produce)", () => {
  for (const point of ["after-side-effect", "before-ack"]) {
    it(`a crash at ${point} aborts the open transaction: 50 records re-processed, 0 effects repeated`, () => {
      const { result, log } = crashInBatch(point, TRANSACTIONAL);
      // The whole first batch (199 records) is returned again from the committed offset 0 ...
      expect(result.counts.redeliveries).toBe(199);
      expect(deliveries(log).filter((d) => d.attempt === 2 && d.at === 47_000_000)).toHaveLength(199);
      // ... the 50 billing/1 had processed are processed a second time, but their effects were never committed.
      expect(result.counts.duplicated).toBe(50);
      expect(result.counts.sideEffectsRepeated).toBe(0);
      expect(log.matching("effect")).toHaveLength(299);
      expect(result.counts.lost).toBe(0);
      expect(evaluateChecks(result).every((check) => check.passed)).toBe(true);
    });

    it(`with auto-commit the same crash at ${point} repeats the 50 effects`, () => {
      const { result } = crashInBatch(point, {});
      expect(result.counts.redeliveries).toBe(199);
      expect(result.counts.duplicated).toBe(50);
      expect(result.counts.sideEffectsRepeated).toBe(50);
      const sideEffects = evaluateChecks(result).find((check) => check.name === "sideEffects: exactly-once");
      expect(sideEffects?.passed).toBe(false);
    });
  }

  it("effects become visible only when the batch's transaction commits", () => {
    const { log } = crashInBatch("before-ack", TRANSACTIONAL);
    // Nothing processed before the crash was ever applied: the first effects come with the first commit after
    // the restarted member re-reads the partition at 47 s, once its 299-record batch is processed (2 ms each).
    const effects = log.matching("effect").map((line) => Number(line.split(" ")[0]!.slice(2)));
    expect(effects).toHaveLength(299);
    expect(effects.every((at) => at === 47_598_000)).toBe(true);
  });

  /**
   * billing/1 is slowed 100-fold from 1 s to 2 s: its batch overruns max.poll.interval.ms (500 ms), it is
   * kicked and billing/2 re-reads from the committed offset while the zombie finishes its batch.
   */
  function kicked(settings: Record<string, unknown>) {
    return runKafka(
      {
        duration: "3s",
        producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" } }],
        consumers: [{ group: "billing", instances: 2, processing: "2ms" }],
        faults: [{ at: "1s", for: "1s", slow: { target: "billing/1", factor: 100 } }],
        expect: { sideEffects: "exactly-once" },
      },
      { "max.poll.interval.ms": 500, "enable.auto.commit": false, ...settings },
    );
  }

  it("a kicked member's transaction is fenced: 20 records processed twice, 0 effects repeated", () => {
    const { result } = kicked({ commit: "transactional" });
    expect(result.counts.duplicated).toBe(20);
    expect(result.counts.sideEffectsRepeated).toBe(0);
    expect(result.counts.lost).toBe(0);
  });

  it("with per-record commits the kicked member's late records repeat 18 effects", () => {
    const { result } = kicked({});
    expect(result.counts.duplicated).toBe(18);
    expect(result.counts.sideEffectsRepeated).toBe(18);
  });
});

/** Ten records, one every 10 ms from 10 ms, in transactions committed 50 ms after their first record: two of five. */
function transactionalProducer(settings: Record<string, unknown>) {
  return runKafka(
    {
      duration: "1s",
      broker: {
        profile: "kafka",
        serviceTime: 0,
        writeBandwidth: "unlimited",
        settings: {
          "group.initial.rebalance.delay.ms": 0,
          "linger.ms": 0,
          "transaction.interval.ms": 50,
          ...settings,
        },
      },
      producers: [{ name: "p", arrival: { process: "constant", rate: "100/s" }, limit: 10 }],
      consumers: [{ group: "g", processing: "1ms" }],
      expect: { delivery: "exactly-once" },
    },
    {},
  );
}

describe("kafka transactional producers and isolation.level", () => {
  it("read_committed waits for the commit: each transaction's records arrive together at its commit", () => {
    const { result, log } = transactionalProducer({ "isolation.level": "read_committed" });
    // Commits at 60 ms and 110 ms; then five records processed back to back, 1 ms each.
    expect(consumptions(log).map((c) => c.at)).toEqual([
      61_000, 62_000, 63_000, 64_000, 65_000, 111_000, 112_000, 113_000, 114_000, 115_000,
    ]);
    // End to end: 50+1, 40+2, 30+3, 20+4, 10+5 ms in each transaction.
    expect(result.endToEnd.mean).toBe(33_000);
    expect(result.endToEnd.max).toBe(51_000);
    expect(result.counts.accepted).toBe(10);
    expect(evaluateChecks(result).every((check) => check.passed)).toBe(true);
  });

  it("read_uncommitted (the default) reads records of open transactions at once", () => {
    const { result } = transactionalProducer({});
    expect(result.endToEnd.mean).toBe(1_000);
    expect(result.endToEnd.max).toBe(1_000);
    expect(result.counts.redeliveries).toBe(0);
  });

  /**
   * Two transactional producers of 10 records/s into one partition, committing every 250 ms. p#1 crashes at
   * 1.15 s with a transaction open since 1.0 s (its records of 1.0 s and 1.1 s) and does not come back before
   * the run ends at 70 s.
   */
  function hung(settings: Record<string, unknown>, restartAfter?: string) {
    return runKafka(
      {
        duration: "70s",
        broker: {
          profile: "kafka",
          serviceTime: 0,
          writeBandwidth: "unlimited",
          settings: {
            "group.initial.rebalance.delay.ms": 0,
            "linger.ms": 0,
            "transaction.interval.ms": 250,
            ...settings,
          },
        },
        producers: [{ name: "p", instances: 2, arrival: { process: "constant", rate: "10/s" } }],
        consumers: [{ group: "g", processing: "1ms" }],
        faults: [{ at: "1150ms", crash: "producer", target: "p#1", ...(restartAfter ? { restartAfter } : {}) }],
        expect: { delivery: "exactly-once" },
      },
      {},
    );
  }

  it("a hung transaction blocks read_committed for transaction.timeout.ms, then its 2 records are aborted", () => {
    const { result, log } = hung({ "isolation.level": "read_committed" });
    const times = consumptions(log).map((c) => c.at);
    // Nothing is consumed from the open transaction's first record (1.0 s) until the coordinator aborts it at 61 s.
    expect(times.filter((at) => at > 1_000_000 && at < 61_000_000)).toEqual([]);
    expect(result.endToEnd.max).toBe(60_001_000);
    expect(result.counts.rejected).toBe(2);
    expect(result.counts.unexpected).toBe(0);
    expect(result.counts.lost).toBe(0);
    expect(evaluateChecks(result).every((check) => check.passed)).toBe(true);
  });

  it("a restarted producer's initTransactions aborts its old transaction at once", () => {
    const { result } = hung({ "isolation.level": "read_committed" }, "2s");
    expect(result.counts.rejected).toBe(2);
    // Blocked from 1.0 s until the restart at 3.15 s.
    expect(result.endToEnd.max).toBe(2_151_000);
  });

  it("a commit due while the broker is down aborts: the producers hear of it, and the 4 records are not retried", () => {
    // Both producers' transactions opened at 1.0 s and are due to commit at 1.25 s, inside the outage.
    const { result } = runKafka(
      {
        duration: "3s",
        broker: {
          profile: "kafka",
          serviceTime: 0,
          writeBandwidth: "unlimited",
          settings: {
            "group.initial.rebalance.delay.ms": 0,
            "linger.ms": 0,
            "transaction.interval.ms": 250,
            "isolation.level": "read_committed",
          },
        },
        producers: [{ name: "p", instances: 2, arrival: { process: "constant", rate: "10/s" } }],
        consumers: [{ group: "g", processing: "1ms" }],
        faults: [{ at: "1200ms", crash: "broker", restartAfter: "200ms" }],
      },
      {},
    );
    expect(result.counts.rejected).toBe(4);
    expect(result.counts.consumed).toBe(result.counts.published - 4);
    expect(result.counts.lost).toBe(0);
    expect(result.counts.unexpected).toBe(0);
  });

  it("read_uncommitted consumes the 2 aborted records: unexpected, and the delivery check says so", () => {
    const { result } = hung({});
    expect(result.counts.rejected).toBe(2);
    expect(result.counts.unexpected).toBe(2);
    // No waiting for commits: at most one record processed ahead (both producers publish at the same instants).
    expect(result.endToEnd.max).toBe(2_000);
    const delivery = evaluateChecks(result).find((check) => check.name === "delivery: exactly-once");
    expect(delivery?.passed).toBe(false);
    expect(delivery?.observed).toContain("2 unexpected");
  });
});

describe("kafka transaction settings", () => {
  const issuesFor = (settings: Record<string, unknown>) => {
    const result = validateScenario(scenarioInput({ broker: { profile: "kafka", settings } }));
    return result.ok ? [] : result.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  };

  it("refuses commit: transactional while auto-commit is on, naming the field", () => {
    const issues = issuesFor({ commit: "transactional" });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain("broker.settings.commit: ");
    expect(issues[0]).toContain("enable.auto.commit: false");
  });

  it("refuses a transaction interval the coordinator's timeout would always cut short", () => {
    const issues = issuesFor({ "transaction.interval.ms": 60_000 });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain("broker.settings.transaction.interval.ms: ");
    expect(issues[0]).toContain("lower than transaction.timeout.ms");
  });

  it("refuses transaction.timeout.ms above the broker's 15 min maximum", () => {
    const issues = issuesFor({ "transaction.timeout.ms": 900_001 });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain("transaction.max.timeout.ms");
  });

  it("refuses an unknown isolation.level", () => {
    expect(issuesFor({ "isolation.level": "read_commited" })[0]).toContain("broker.settings.isolation.level");
  });
});
