// Proves the RabbitMQ profiles' settings: real names and defaults (4.0-4.2), default service times, and settings that belong to only one queue type.
import { describe, expect, it } from "vitest";
import { validateScenario } from "../../../src/index.js";
import { scenarioInput } from "../../helpers/scenario.js";

function brokerOf(broker: Record<string, unknown>) {
  const result = validateScenario(scenarioInput({ broker }));
  return result.ok ? result.scenario.broker : result.issues;
}

const sharedDefaults = {
  version: "4.2",
  exchange: "fanout",
  mandatory: false,
  confirms: true,
  autoAck: false,
  prefetch: 0,
  heartbeat: 60_000_000,
  consumer_timeout: 1_800_000_000,
  channel_tick_interval: 60_000_000,
  requeueOnFailure: true,
  "x-dead-letter-exchange": null,
  "x-message-ttl": null,
  "x-max-length": null,
  "x-overflow": "drop-head",
  socketBufferBytes: 4_000_000,
  cores: 4,
  memoryLimitBytes: null,
};

describe("rabbitmq settings", () => {
  it("fill RabbitMQ's defaults for a classic queue, with 11 us of broker work per publish", () => {
    expect(brokerOf({ profile: "rabbitmq" })).toEqual({
      profile: "rabbitmq",
      partitions: 1,
      serviceTime: { dist: "constant", value: 11 },
      settings: { ...sharedDefaults, durable: true, persistent: true, "x-max-priority": null },
    });
  });

  it("fill the quorum queue's defaults, with 14 us per publish and the version's delivery limit", () => {
    expect(brokerOf({ profile: "rabbitmq-quorum" })).toEqual({
      profile: "rabbitmq-quorum",
      partitions: 1,
      serviceTime: { dist: "constant", value: 14 },
      settings: { ...sharedDefaults, "x-delivery-limit": null, raftApplyDelay: 5000 },
    });
  });

  it("refuse settings of the other queue type, saying where they belong", () => {
    expect(brokerOf({ profile: "rabbitmq-quorum", settings: { durable: false } })).toMatchObject([
      { path: ["broker", "settings", "durable"], code: "unknown-field" },
    ]);
    expect(brokerOf({ profile: "rabbitmq", settings: { "x-delivery-limit": 5 } })).toMatchObject([
      { path: ["broker", "settings", "x-delivery-limit"], code: "unknown-field" },
    ]);
  });

  it("take reject-publish-dlx on a classic queue only: quorum queues do not support it", () => {
    expect(brokerOf({ profile: "rabbitmq", settings: { "x-overflow": "reject-publish-dlx" } })).toMatchObject({
      settings: { "x-overflow": "reject-publish-dlx" },
    });
    expect(brokerOf({ profile: "rabbitmq-quorum", settings: { "x-overflow": "reject-publish-dlx" } })).toMatchObject([
      { path: ["broker", "settings", "x-overflow"] },
    ]);
  });

  it("take a version and refuse one that is not modelled", () => {
    expect(brokerOf({ profile: "rabbitmq", settings: { version: "3.10" } })).toMatchObject({
      settings: { version: "3.10" },
    });
    expect(brokerOf({ profile: "rabbitmq", settings: { version: "3.8" } })).toMatchObject([
      { path: ["broker", "settings", "version"] },
    ]);
  });

  it("take x-max-priority 1-255 on a classic queue only: quorum queues have their two buckets without it", () => {
    expect(brokerOf({ profile: "rabbitmq", settings: { "x-max-priority": 255 } })).toMatchObject({
      settings: { "x-max-priority": 255 },
    });
    for (const bad of [0, 256, 2.5]) {
      expect(brokerOf({ profile: "rabbitmq", settings: { "x-max-priority": bad } })).toMatchObject([
        { path: ["broker", "settings", "x-max-priority"] },
      ]);
    }
    expect(brokerOf({ profile: "rabbitmq-quorum", settings: { "x-max-priority": 5 } })).toMatchObject([
      { path: ["broker", "settings", "x-max-priority"], code: "unknown-field" },
    ]);
  });

  it("take durations with units and sizes for the memory budget", () => {
    const broker = brokerOf({
      profile: "rabbitmq",
      settings: { "x-message-ttl": "1.5s", consumer_timeout: "1h", memoryLimitBytes: "64MB" },
    });
    expect(broker).toMatchObject({
      settings: { "x-message-ttl": 1_500_000, consumer_timeout: 3_600_000_000, memoryLimitBytes: 64_000_000 },
    });
  });
});
