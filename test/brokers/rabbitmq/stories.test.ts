// Proves the shipped RabbitMQ scenarios tell the stories their comments tell, with exact figures on their fixed seeds.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, runScenario } from "../../../src/index.js";

function story(file: string, settings: Record<string, unknown> = {}) {
  const loaded = loadScenarioFile(join(import.meta.dirname, "..", "..", "..", "scenarios", file));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const { scenario } = loaded;
  const broker = { ...scenario.broker, settings: { ...scenario.broker.settings, ...settings } };
  return runScenario({ ...scenario, broker }).summary;
}

describe("rabbitmq stories", () => {
  it("manual-ack crash: the 10 unacked deliveries come back as the socket closes; one card is charged twice; nothing lost", () => {
    const { messages, faults, latency } = story("rabbitmq-manual-ack-crash.yaml");
    expect(faults[0]?.effects).toEqual({ deliveriesHeld: 10 });
    expect(messages).toMatchObject({ lost: 0, redeliveries: 10, duplicated: 1, sideEffectsRepeated: 1, pending: 0 });
    // No heartbeat wait: the slowest message is one that queued behind the burst, not a redelivered one.
    expect(latency.endToEnd.max).toBeLessThan(4_000);
  });

  it("manual-ack crash, hung instead: heartbeats give up on the worker 2 to 3 minutes later", () => {
    const loaded = loadScenarioFile(
      join(import.meta.dirname, "..", "..", "..", "scenarios", "rabbitmq-manual-ack-crash.yaml"),
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const faults = loaded.scenario.faults.map((fault) => ({ ...fault, mode: "hang" as const }));
    const { messages, latency } = runScenario({ ...loaded.scenario, faults, drainTimeout: 300_000_000 }).summary;
    expect(messages).toMatchObject({ lost: 0, redeliveries: 10, pending: 0 });
    expect(latency.endToEnd.max).toBeGreaterThan(120_000);
    expect(latency.endToEnd.max).toBeLessThan(180_000);
  });

  it("autoAck crash: the crash loses the 3,869 messages the worker's socket held behind the one just finished", () => {
    const { messages, faults, backpressure } = story("rabbitmq-autoack-crash.yaml");
    // 4 MB / (1,000 + 90 bytes of framing) = 3,670 in the socket, plus the 200 the queue sends ahead.
    expect(faults[0]?.effects).toEqual({ deliveriesHeld: 3870 });
    expect(messages).toMatchObject({ lost: 3869, dropped: 3869, redeliveries: 0, duplicated: 0 });
    expect(backpressure.maxDepth).toBe(7504);
  });

  it("quorum poison: each of the 18 poison messages is delivered 21 times, then dead-lettered", () => {
    const { messages, faults } = story("rabbitmq-quorum-poison.yaml");
    expect(faults[0]?.effects).toEqual({ poisonMessages: 18 });
    expect(messages).toMatchObject({ deadLettered: 18, redeliveries: 18 * 20, lost: 0, duplicated: 0 });
  });

  it("topic routing: 454 unroutable messages are confirmed, then lost for all three groups; mandatory returns them", () => {
    const silent = story("rabbitmq-topic-routing.yaml").messages;
    expect(silent).toMatchObject({ published: 6849, confirmed: 6849, rejected: 0, consumed: 10_063 });
    expect(silent).toMatchObject({ lost: 3 * 454, dropped: 3 * 454, pending: 0, notRouted: 9122 });
    expect(silent.consumed + silent.lost + (silent.notRouted ?? 0)).toBe(3 * silent.published);
    const returned = story("rabbitmq-topic-routing.yaml", { mandatory: true }).messages;
    expect(returned).toMatchObject({ published: 6849, confirmed: 6849 - 454, rejected: 454, consumed: 10_063 });
    expect(returned).toMatchObject({ lost: 0, dropped: 0, notRouted: 9122 });
  });
});
