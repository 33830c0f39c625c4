// Proves pipeline stages on Redis streams: a stream per fed group (XADD to the target's stream, a consumer group per stream), so MAXLEN trims and claims act per stream.
import { describe, expect, it } from "vitest";
import { stageStreams } from "../../../src/brokers/redis/stage-streams.js";
import { runScenario } from "../../../src/index.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";

/** orders → billing (fan-out 2) → email on redis-streams, 100 messages at 50/s. */
function streamStages(settings: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return runScenario(
    parsed(
      scenarioInput({
        duration: "10s",
        drainTimeout: "5min",
        broker: { profile: "redis-streams", settings },
        producers: [{ name: "shop", rate: "50/s", limit: 100 }],
        consumers: [
          { group: "orders", processing: "1ms", publishTo: "billing" },
          { group: "billing", instances: 2, processing: "2ms", publishTo: { group: "email", count: 2 } },
          { group: "email", processing: "1ms" },
        ],
        ...overrides,
      }),
    ),
  ).summary;
}

describe("stageStreams", () => {
  it("gives the main stream to the groups no stage feeds and a stream to each fed group", () => {
    const streams = stageStreams({
      groupCount: 4,
      routing: {
        keysOfProducer: [],
        bindingsOfGroup: [],
        stageFedGroups: [1, 3],
        stageTargetOf: (message) => (message < 10 ? -1 : message < 20 ? 1 : 3),
      },
    });
    expect(streams.readers).toEqual([[0, 2], [1], [3]]);
    expect([...streams.ofGroup]).toEqual([0, 1, 0, 2]);
    expect([streams.of(5), streams.of(15), streams.of(25)]).toEqual([0, 1, 2]);
  });
});

describe("pipeline stages on redis-streams", () => {
  it("MAXLEN trims each stream by its own length: a slow email stage loses from its stream only", () => {
    // email takes 100 ms per entry and receives 200 in 2 s: its stream grows past MAXLEN 50 and is trimmed,
    // while orders and billing keep up and lose nothing (with one stream, the emails would have pushed
    // the orders out too).
    const consumers = [
      { group: "orders", processing: "1ms", publishTo: "billing" },
      { group: "billing", instances: 2, processing: "2ms", publishTo: { group: "email", count: 2 } },
      { group: "email", processing: "100ms" },
    ];
    const summary = streamStages({ MAXLEN: 50 }, { consumers });
    expect(summary.stages?.orders).toMatchObject({ received: 100, consumed: 100, lost: 0 });
    expect(summary.stages?.billing).toMatchObject({ received: 100, consumed: 100, lost: 0 });
    const email = summary.stages!.email!;
    expect(email.received).toBe(200);
    expect(email.lost).toBeGreaterThan(0);
    expect(email.consumed + email.lost).toBe(200);
  });

  it("a crashed billing consumer's pending entries are claimed from billing's stream: nothing lost", () => {
    const crash = { at: "1s", crash: "consumer", target: "billing/1", point: "before-ack", restartAfter: "1s" };
    const summary = streamStages({ claimInterval: "1s", "min-idle-time": "2s" }, { faults: [crash] });
    expect(summary.stages?.billing).toMatchObject({ received: 100, consumed: 100, lost: 0, duplicated: 1 });
    // The redelivered input publishes its 2 emails again: duplicates propagate as new messages.
    expect(summary.stages?.email).toMatchObject({ received: 202, consumed: 202, lost: 0 });
    expect(summary.messages).toMatchObject({ lost: 0, pending: 0 });
  });
});
