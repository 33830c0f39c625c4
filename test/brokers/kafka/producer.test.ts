// Proves the Kafka producer client: a short outage is ridden out in the buffer, a long one fails records after delivery.timeout.ms, a full buffer.memory blocks send() and fails it after max.block.ms, per producer instance, and acks=0 loses unseen.
import { describe, expect, it } from "vitest";
import { type KafkaSettings, kafkaOptions } from "../../../src/brokers/kafka/settings.js";
import { simulate, validateScenario } from "../../../src/index.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";
import { consumptions, KafkaLog, QUIET } from "./run.js";

const constant = (rate: string) => ({ name: "p", arrival: { process: "constant", rate }, size: "1000B" });

function run(overrides: Record<string, unknown>, settings: Record<string, unknown> = {}, serviceTime = "5us") {
  const log = new KafkaLog();
  const input = scenarioInput({
    drainTimeout: "5min",
    broker: { profile: "kafka", serviceTime, writeBandwidth: "unlimited", settings: { ...QUIET, ...settings } },
    consumers: [{ group: "billing", processing: "1ms" }],
    ...overrides,
  });
  return { result: simulate(parsed(input), { observers: [log] }), log };
}

/** Times of the log's lines with `word`, and their message ids. */
function times(log: KafkaLog, word: string): { at: number; message: number }[] {
  return log.matching(word).map((line) => {
    const [at, , message] = line.split(" ");
    return { at: Number(at!.slice(2)), message: Number(message!.slice(1)) };
  });
}

describe("kafka producer: retries within delivery.timeout.ms", () => {
  it("rides out a 30 s broker outage: nothing fails or is lost, records are late by the outage", () => {
    const { result } = run({
      duration: "60s",
      producers: [constant("10/s")],
      faults: [{ at: "10s", crash: "broker", restartAfter: "30s" }],
    });
    expect(result.counts).toMatchObject({ published: 599, consumed: 599, rejected: 0, lost: 0, pending: 0 });
    // The record sent at 10 s waits the whole outage plus the last backoff (at most 1 s + 20% jitter).
    expect(result.endToEnd.max).toBe(30_750_681);
    expect(result.endToEnd.max).toBeGreaterThan(30_000_000);
    expect(result.endToEnd.max).toBeLessThan(31_200_000);
  });

  it("fails exactly the records whose delivery timeout passed during a 3 min outage", () => {
    const { result, log } = run({
      duration: "240s",
      producers: [constant("10/s")],
      faults: [{ at: "10s", crash: "broker", restartAfter: "180s" }],
    });
    // Records are sent every 100 ms (m99 at 10.0 s). The broker is back at 190 s and the first retry after it
    // lands at 190.9 s: every record sent in [10.0 s, 70.9 s] is 120 s old by then, 610 records, each failing
    // 120 s after its send. Later records wait and are written.
    const rejected = times(log, "rejected");
    expect(rejected.length).toBe(610);
    expect(rejected[0]).toEqual({ at: 130_000_000, message: 99 });
    expect(rejected.at(-1)).toEqual({ at: 190_900_000, message: 708 });
    expect(result.counts).toMatchObject({ published: 2399, accepted: 1789, rejected: 610, lost: 0, pending: 0 });
    // Failed sends are the producer's backpressure figure, not a loss: the application was told.
    expect(result.counts.consumed).toBe(1789);
  });

  it("with acks=0 the producer hears nothing: records sent while the broker is down are lost unseen", () => {
    const { result } = run(
      {
        duration: "5s",
        producers: [constant("100/s")],
        faults: [{ at: "2000500us", crash: "broker", restartAfter: "1s" }],
      },
      { acks: 0 },
    );
    // The 100 records sent during the 1 s outage: the producer counted them as sent, the broker never took them.
    expect(result.counts).toMatchObject({ published: 499, accepted: 399, rejected: 0, lost: 100, pending: 0 });
    expect(result.examples.lost?.events[1]?.what).toBe("sent without waiting for an answer, never taken by the broker");
  });
});

describe("kafka producer: buffer.memory and max.block.ms", () => {
  it("blocks send() when a slow broker fills the buffer, and fails each send blocked for max.block.ms", () => {
    const { result, log } = run(
      { duration: "10s", producers: [constant("100/s")] },
      { "buffer.memory": 10_000, "max.block.ms": 50 },
      "100ms",
    );
    // The broker writes one record per 100 ms; the buffer holds 10 records of 1000 B, full at 120 ms. From then
    // on, each 100 ms the blocked head either gets the room one write frees or fails after waiting 50 ms: the
    // application's backlog drains at one admission and one failure per 100 ms, long after arrivals stop.
    expect(log.lines.filter((line) => line.endsWith("blocked"))).toEqual(["t=120000 blocked", "t=49510000 unblocked"]);
    expect(result.blockedMicros).toBe(49_390_000);
    expect(result.counts).toMatchObject({ published: 999, accepted: 505, rejected: 494, lost: 0, pending: 0 });
  });

  it("blocks only the producer instance whose buffer is full (a partition between it and the broker)", () => {
    const { result, log } = run(
      {
        duration: "60s",
        network: { latency: "1ms" },
        producers: [{ ...constant("10/s"), instances: 2 }],
        faults: [{ at: "10s", for: "20s", partition: { between: ["broker", "p#1"] } }],
      },
      { "buffer.memory": 20_000 },
    );
    // p#1's 20 records sent from 10.0 s vanish, filling its 20-record buffer at 12 s. Their requests time out
    // 30 s after sending (request.timeout.ms) and are retried once the partition has healed; room frees at 40.6 s.
    expect(result.faults[0]?.effects.messagesLost).toBe(20);
    expect(log.lines.filter((line) => line.endsWith("blocked"))).toEqual([
      "t=12000000 blocked",
      "t=40616871 unblocked",
    ]);
    expect(result.blockedMicros).toBe(28_616_871);
    expect(result.counts).toMatchObject({ published: 1198, consumed: 1198, rejected: 0, lost: 0, pending: 0 });
    // p#2 was never blocked: its worst record waits 95 ms, queued behind p#1's released backlog at the consumer.
    const worst = [0, 0];
    for (const { at, message } of consumptions(log)) {
      const producer = log.messages.producer[message]!;
      worst[producer] = Math.max(worst[producer]!, at - log.messages.intendedAt[message]!);
    }
    expect(worst).toEqual([30_122_206, 94_953]);
  });
});

describe("kafka producer settings", () => {
  it("refuses delivery.timeout.ms below linger.ms + request.timeout.ms, as Kafka's ConfigException", () => {
    const result = validateScenario(
      scenarioInput({
        broker: { profile: "kafka", settings: { "delivery.timeout.ms": 30_000 } },
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]?.path).toEqual(["broker", "settings", "delivery.timeout.ms"]);
    expect(result.issues[0]?.message).toContain("at least linger.ms + request.timeout.ms (30005)");
  });

  it("raises the default delivery.timeout.ms to linger.ms + request.timeout.ms with a warning, as the Java producer does", () => {
    const result = validateScenario(
      scenarioInput({ broker: { profile: "kafka", settings: { "request.timeout.ms": 150_000 } } }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.warnings.map((w) => [w.code, w.path.join("."), w.message])).toEqual([
      [
        "adjusted",
        "broker.settings.delivery.timeout.ms",
        "the default delivery.timeout.ms (120000) is below linger.ms + request.timeout.ms: raised to 150005, as the Kafka producer does (it logs the same warning)",
      ],
    ]);
    const options = kafkaOptions(
      result.scenario.broker.settings as unknown as KafkaSettings,
      result.scenario.broker as never,
    );
    expect(options.deliveryTimeout).toBe(150_005_000);
    // Within the default's reach, nothing is adjusted and nothing said.
    const quiet = validateScenario(scenarioInput({ broker: { profile: "kafka" } }));
    expect(quiet.ok && quiet.warnings).toEqual([]);
  });

  it("takes linger.ms's default from the version: 5 ms with 4.x (KIP-1030), 0 with 3.x", () => {
    const linger = (version?: string) => {
      const result = validateScenario(scenarioInput({ broker: { profile: "kafka", ...(version ? { version } : {}) } }));
      if (!result.ok) throw new Error("invalid");
      return kafkaOptions(result.scenario.broker.settings as unknown as KafkaSettings, result.scenario.broker as never)
        .linger;
    };
    expect([linger(), linger("4.x"), linger("3.x")]).toEqual([5000, 5000, 0]);
  });
});
