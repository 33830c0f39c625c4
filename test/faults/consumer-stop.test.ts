// Proves a clean consumer stop drains, hands back what it had not started by each broker's rules, and differs from a crash as documented.
import { describe, expect, it } from "vitest";
import { simulate, validateScenario } from "../../src/index.js";
import type { MessageTable } from "../../src/model/messages.js";
import { NullObserver } from "../../src/model/observer.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/** Per partition, the longest time between two consumptions in group 0 from `from` on: how long it went unread. */
class PartitionGaps extends NullObserver {
  private messages!: MessageTable;
  private readonly last = new Map<number, number>();
  longest = 0;
  constructor(private readonly from: number) {
    super();
  }
  watch(messages: MessageTable): void {
    this.messages = messages;
  }
  override consumed(message: number, group: number, _consumer: number, _times: number, now: number): void {
    if (group !== 0 || now < this.from) return;
    const partition = this.messages.partition[message]!;
    const previous = this.last.get(partition) ?? this.from;
    this.longest = Math.max(this.longest, now - previous);
    this.last.set(partition, now);
  }
}

/** Three members over six partitions, 200 records/s; billing/2 goes away at 20 s and comes back 10 s later. */
function kafkaRun(fault: Record<string, unknown>) {
  const gaps = new PartitionGaps(20_000_000);
  const result = simulate(
    parsed(
      scenarioInput({
        duration: "60s",
        drainTimeout: "5m",
        broker: { profile: "kafka", partitions: 6 },
        producers: [{ name: "orders", arrival: { process: "constant", rate: "200/s" }, keys: { count: 60 } }],
        consumers: [{ group: "billing", instances: 3, processing: "2ms" }],
        faults: [{ at: "20s", target: "billing/2", restartAfter: "10s", ...fault }],
      }),
    ),
    { observers: [gaps] },
  );
  return { result, unreadMicros: gaps.longest };
}

describe("Kafka: a clean stop against a crash at the same moment (auto-commit)", () => {
  it("LeaveGroup rebalances within about a second and replays nothing", () => {
    const { result, unreadMicros } = kafkaRun({ stop: "consumer" });
    expect(result.counts).toMatchObject({ consumed: 11_999, duplicated: 0, redeliveries: 0, lost: 0, pending: 0 });
    // The others hear of the rebalance at their next heartbeat (3 s apart) and rejoin between two polls.
    expect(unreadMicros).toBe(1_002_000);
    expect(result.faults).toEqual([
      {
        fault: 0,
        kind: "consumer-stop",
        target: "billing/2",
        start: 20_000_000,
        end: 30_000_000,
        effects: { deliveriesInProgress: 0, deliveriesReturned: 0, killed: 0 },
      },
    ]);
  });

  it("a crash leaves its partitions unread until session.timeout.ms and replays since the last commit", () => {
    const { result, unreadMicros } = kafkaRun({ crash: "consumer" });
    expect(result.counts).toMatchObject({ consumed: 11_999, duplicated: 386, lost: 0, pending: 0 });
    expect(unreadMicros).toBe(47_296_000);
  });
});

/**
 * A backlog, so that the member stopped at 7 s holds the rest of a poll
 * batch it has not started (the group forms at 6 s: two initial rebalance delays): two members, two partitions, 800 records
 * published in the first 2 s, 10 ms each.
 */
function midBatch(
  settings: Record<string, unknown>,
  fault: Record<string, unknown> = {},
  observers: NullObserver[] = [],
) {
  return simulate(
    parsed(
      scenarioInput({
        duration: "8s",
        drainTimeout: "5m",
        broker: { profile: "kafka", partitions: 2, settings },
        producers: [
          { name: "orders", arrival: { process: "constant", rate: "400/s" }, keys: { count: 20 }, limit: 800 },
        ],
        consumers: [{ group: "billing", instances: 2, processing: "10ms" }],
        faults: [{ at: "7s", stop: "consumer", target: "billing/1", restartAfter: "500ms", ...fault }],
      }),
    ),
    { observers },
  );
}

/** Counts the side effects applied, and the records whose effect was applied more than once. */
class EffectCount extends NullObserver {
  applied = 0;
  repeated = 0;
  override sideEffect(_message: number, _group: number, _consumer: number, timesApplied: number): void {
    this.applied++;
    if (timesApplied > 1) this.repeated++;
  }
}

describe("Kafka: stopping in the middle of a poll batch", () => {
  it("auto-commit: close() commits the first unprocessed record, so the new owner reads the rest again: no loss, no duplicate", () => {
    const result = midBatch({});
    expect(result.faults[0]!.effects).toEqual({ deliveriesInProgress: 1, deliveriesReturned: 279, killed: 0 });
    expect(result.counts).toMatchObject({ consumed: 800, duplicated: 0, lost: 0, pending: 0 });
  });

  it("commits after processing: each processed record is committed already; the rest is read again", () => {
    const result = midBatch({ "enable.auto.commit": false, commit: "after-processing" });
    expect(result.faults[0]!.effects.deliveriesReturned).toBe(279);
    expect(result.counts).toMatchObject({ consumed: 800, duplicated: 0, lost: 0, pending: 0 });
  });

  it("commits before processing: the whole batch was committed at poll, so its unstarted rest is lost", () => {
    const result = midBatch({ "enable.auto.commit": false, commit: "before-processing" });
    const returned = result.faults[0]!.effects.deliveriesReturned!;
    expect(returned).toBe(279);
    expect(result.counts).toMatchObject({ duplicated: 0, lost: returned, consumed: 800 - returned, pending: 0 });
  });

  it("commits in transactions: close() commits the open transaction with what was processed; each effect applied once", () => {
    const effects = new EffectCount();
    const result = midBatch({ "enable.auto.commit": false, commit: "transactional" }, {}, [effects]);
    expect(result.faults[0]!.effects.deliveriesReturned).toBe(279);
    expect(result.counts).toMatchObject({ consumed: 800, duplicated: 0, lost: 0, pending: 0 });
    // The stopped member's processed records kept their effects (committed at close), the rest were applied by
    // the new owner: 800 effects for 800 records, none twice, none left staged.
    expect(effects).toMatchObject({ applied: 800, repeated: 0 });
  });
});

/**
 * RabbitMQ, prefetch 10: three consumers of 50 ms each (60/s) under 100/s, so
 * every channel is always full: one delivery in progress, nine waiting.
 */
function rabbitRun(fault: Record<string, unknown>) {
  const log = new EventLog();
  const result = simulate(
    parsed(
      scenarioInput({
        duration: "20s",
        drainTimeout: "5m",
        broker: { profile: "rabbitmq", settings: { prefetch: 10 } },
        producers: [{ name: "orders", arrival: { process: "constant", rate: "100/s" } }],
        consumers: [{ group: "billing", instances: 3, processing: "50ms" }],
        faults: [{ at: "10030ms", target: "billing/1", restartAfter: "5s", ...fault }],
      }),
    ),
    { observers: [log] },
  );
  const redelivered = log.lines.filter((line) => line.includes(" attempt 2"));
  return { result, redelivered, times: redelivered.map((line) => Number(line.slice(2, line.indexOf(" ")))) };
}

describe("RabbitMQ: basic.cancel, then channel close", () => {
  it("requeues the nine prefetched deliveries at once, and the others consume them within a second", () => {
    const { result, redelivered, times } = rabbitRun({ stop: "consumer" });
    expect(result.faults[0]!.effects).toEqual({ deliveriesInProgress: 1, deliveriesReturned: 9, killed: 0 });
    expect(result.counts).toMatchObject({ redeliveries: 9, duplicated: 0, lost: 0, pending: 0, consumed: 1999 });
    // Requeued when its last message is acked (10.060 s), they go to the others as they free credit, never to billing/1 (c0).
    expect(redelivered.every((line) => !line.includes(" c0 "))).toBe(true);
    expect(Math.min(...times)).toBe(10_070_011);
    expect(Math.max(...times)).toBeLessThan(11_000_000);
  });

  it("a process crash at the same moment returns all ten as its socket closes, and repeats the one in progress", () => {
    const { result, times } = rabbitRun({ crash: "consumer" });
    expect(result.counts).toMatchObject({ redeliveries: 10, lost: 0, pending: 0, consumed: 1999 });
    // Requeued at 10.030 s; the first goes out with the next publish's credit, after its 11 us of queue work.
    expect(Math.min(...times)).toBe(10_030_011);
  });

  it("a hang at the same moment returns them only when heartbeats give up, 2 to 3 minutes later", () => {
    const { result, times } = rabbitRun({ crash: "consumer", mode: "hang" });
    expect(result.counts).toMatchObject({ redeliveries: 10, lost: 0, pending: 0, consumed: 1999 });
    // Its last frame is an ack just before 10.03 s: the check at 60 s sees it, those at 120 s and 180 s see nothing.
    expect(Math.min(...times)).toBe(180_000_000);
  });

  it("past the grace period the consumer is killed: a crash, its deliveries returned as the socket closes", () => {
    const { result, times } = rabbitRun({ stop: "consumer", gracePeriod: "5ms" });
    expect(result.faults[0]!.effects).toEqual({ deliveriesInProgress: 1, killed: 1, deliveriesHeld: 10 });
    expect(result.faults[0]!.start).toBe(10_030_000);
    expect(result.counts).toMatchObject({ redeliveries: 10, lost: 0, pending: 0, consumed: 1999 });
    // Killed at 10.035 s; the others take them as they free credit, the first at their next ack.
    expect(Math.min(...times)).toBe(10_070_011);
  });
});

describe("the stop fault in a scenario", () => {
  it("names its target with a did-you-mean, like a crash", () => {
    const result = validateScenario(
      scenarioInput({
        consumers: [{ group: "billing", instances: 2, processing: "1ms" }],
        faults: [{ at: "1s", stop: "consumer", target: "biling/2" }],
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([
      ["faults.0.target", '"biling/2" is not a consumer group, instance or group/*'],
    ]);
  });

  it("defaults the grace period to 30 s", () => {
    const scenario = parsed(scenarioInput({ faults: [{ stop: "consumer", target: "g/1" }] }));
    expect(scenario.faults[0]).toMatchObject({ stop: "consumer", target: "g/1", gracePeriod: 30_000_000 });
  });
});
