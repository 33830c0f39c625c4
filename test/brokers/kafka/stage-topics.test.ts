// Proves pipeline stages on Kafka: each fed group reads a topic of its own (keyed by the root's key, with per-topic lag), faults reach every topic, and commit: transactional closes the dual-write gap.
import { describe, expect, it } from "vitest";
import { TopicLayout } from "../../../src/brokers/kafka/topics.js";
import { runScenario, simulate } from "../../../src/index.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";
import { consumptions, runKafka } from "./run.js";

/** orders → billing (2 instances, fan-out 2) → email, 100 messages over 2 s, on Kafka. */
function kafkaStages(settings: Record<string, unknown>, overrides: Record<string, unknown> = {}, partitions = 3) {
  return runKafka(
    {
      duration: "60s",
      producers: [{ name: "shop", rate: "50/s", limit: 100, keys: { count: 10 } }],
      consumers: [
        { group: "orders", processing: "1ms", publishTo: "billing" },
        { group: "billing", instances: 2, processing: "2ms", publishTo: { group: "email", count: 2 } },
        { group: "email", processing: "1ms" },
      ],
      ...overrides,
    },
    settings,
    partitions,
  );
}

describe("TopicLayout", () => {
  it("lays topics end to end and moves a fed group off the main topic", () => {
    const layout = new TopicLayout(3, 3);
    layout.add("main", [0, 1, 2]);
    layout.add("billing-in", [1]);
    layout.add("email-in", [2]);
    expect(layout.partitions).toBe(9);
    expect(layout.topics.map((t) => [t.name, t.first, t.readers])).toEqual([
      ["main", 0, [0]],
      ["billing-in", 3, [1]],
      ["email-in", 6, [2]],
    ]);
    expect([layout.reads(0, 2), layout.reads(0, 3), layout.reads(1, 5), layout.reads(2, 5)]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(layout.readersOf(7)).toEqual([2]);
  });
});

describe("pipeline stages on kafka", () => {
  it("each stage's messages land in its target's topic, in the partition of the root's key", () => {
    const { result, log } = kafkaStages({});
    expect(result.counts).toMatchObject({ lost: 0, pending: 0, duplicated: 0 });
    const { messages } = log;
    const rootKeyPartition = new Map<number, number>();
    const topicOfMessage = (id: number) => Math.floor(messages.partition[id]! / 3);
    // Producers' messages: ids of the main topic (partitions 0-2); onward ones in billing-in (3-5) or email-in (6-8).
    const topics = [0, 0, 0];
    for (let id = 0; id < messages.count; id++) {
      topics[topicOfMessage(id)]!++;
      const inTopic = messages.partition[id]! % 3;
      const key = messages.key[id]!;
      if (!rootKeyPartition.has(key)) rootKeyPartition.set(key, inTopic);
      // One key, one partition number in every topic: per-key order can hold from stage to stage.
      expect(inTopic).toBe(rootKeyPartition.get(key));
    }
    expect(topics).toEqual([100, 100, 200]);
  });

  it("keeps per-key order through a stage: email consumes each key's messages in the order of their roots", () => {
    const { log } = kafkaStages({});
    const { messages } = log;
    // With one email instance and one partition per key, each key's emails are consumed in publish order.
    const emails = consumptions(log).filter((c) => messages.partition[c.message]! >= 6);
    const lastByKey = new Map<number, number>();
    for (const { message } of emails) {
      const key = messages.key[message]!;
      const intended = messages.intendedAt[message]!;
      expect(intended).toBeGreaterThanOrEqual(lastByKey.get(key) ?? 0);
      lastByKey.set(key, intended);
    }
    expect(emails).toHaveLength(200);
  });

  it("a broker crash reaches every topic: stage topics go offline with the main one, and a process crash loses nothing written", () => {
    const crash = { at: "1s", crash: "broker", restartAfter: "2s" };
    const { result, log } = kafkaStages({}, { faults: [crash] });
    const { messages } = log;
    // Onward publishes sent while the broker is down are cut off on the way (a stage does not resend): those,
    // and only those, stay pending for their target; everything the broker had written is consumed.
    const cutOff: number[] = [];
    for (let id = 0; id < messages.count; id++) if (messages.outcome[id] === 0) cutOff.push(id);
    expect(cutOff.length).toBeGreaterThan(0);
    for (const id of cutOff) {
      expect(messages.partition[id]!).toBeGreaterThanOrEqual(3);
      expect(log.matching(`published m${id}`)[0]).toMatch(/^t=(1|2)\d{6} /);
    }
    expect(result.counts).toMatchObject({ lost: 0, unexpected: 0, pending: cutOff.length });
  });

  it("Little's law holds per stage on kafka: L = λW within 2%", () => {
    const seconds = 500;
    const result = simulate(
      parsed(
        scenarioInput({
          seed: 7,
          duration: `${seconds}s`,
          broker: { profile: "kafka", partitions: 2, settings: { "linger.ms": 0 } },
          producers: [{ name: "arrivals", rate: "50/s" }],
          consumers: [
            { group: "one", processing: { dist: "exponential", mean: "10ms" }, publishTo: "two" },
            { group: "two", processing: { dist: "exponential", mean: "10ms" }, publishTo: "three" },
            { group: "three", processing: { dist: "exponential", mean: "10ms" } },
          ],
        }),
      ),
    );
    expect(result.flows!.stages).toHaveLength(3);
    for (const stage of result.flows!.stages) {
      const lambda = stage.arrivedDuringRun / seconds;
      const w = stage.meanSojournMicros / 1e6;
      // L = λW is an identity over a run that starts and ends empty; the 2% covers messages in stages at the end.
      expect(Math.abs(stage.meanInStage / (lambda * w) - 1)).toBeLessThan(0.02);
    }
  });

  it("is deterministic: the same scenario and seed give the same bytes", () => {
    const input = scenarioInput({
      duration: "5s",
      network: { latency: { dist: "lognormal", median: "200us", p99: "2ms" } },
      broker: { profile: "kafka", partitions: 2 },
      producers: [{ name: "shop", rate: "50/s", keys: { count: 5 } }],
      consumers: [
        { group: "a", processing: "1ms", publishTo: { group: "b", count: 2 } },
        { group: "b", instances: 2, processing: "2ms" },
      ],
    });
    const once = JSON.stringify(runScenario(parsed(input)).summary);
    expect(JSON.stringify(runScenario(parsed(input)).summary)).toBe(once);
  });
});

/**
 * The dual-write gap on Kafka: billing/1 crashes at `point` at 1 s; it restarts at 2 s and its old member's
 * session (6 s) expires at 7 s, when the rebalance hands billing's partition back from the committed offset.
 */
function gapRun(commit: string, point: string) {
  const crash = { at: "1s", crash: "consumer", target: "billing/1", point, restartAfter: "1s" };
  return kafkaStages(
    {
      "enable.auto.commit": false,
      commit,
      "isolation.level": "read_committed",
      "session.timeout.ms": 6000,
      "max.poll.records": 1,
    },
    { faults: [crash] },
    1,
  );
}

describe("commit: transactional closes a stage's dual-write gap", () => {
  it("after-processing: a crash after the publish, before the commit, publishes the emails again (duplicates downstream)", () => {
    const { result } = gapRun("after-processing", "before-ack");
    expect(result.flows!.stages[1]!.publishedOnward).toBe(202);
    expect(result.flows!.stages[2]!.consumed).toBe(202);
    expect(result.flows!.endToEnd.count).toBe(202);
    expect(result.counts).toMatchObject({ rejected: 0, sideEffectsRepeated: 1 });
  });

  it("transactional: the same crash aborts the emails with the input's offset; downstream sees each once", () => {
    const { result } = gapRun("transactional", "before-ack");
    // billing published 202 (the redelivered order publishes its 2 emails again) ...
    expect(result.flows!.stages[1]!.publishedOnward).toBe(202);
    const email = result.flows!.stages[2]!;
    // ... but the first 2 belonged to the transaction the crash aborted: refused, never readable downstream.
    expect(email.consumed).toBe(200);
    expect(result.flows!.endToEnd.count).toBe(200);
    expect(result.counts).toMatchObject({ rejected: 2, lost: 0, pending: 0, sideEffectsRepeated: 0 });
  });
});
