// Proves every profile that allows batches runs them without losing, stranding or double-settling anything: with no faults each batching group consumes every message once, settles every batch it began, and its batches are full when the backlog allows, at zero and at lognormal latency; batching producers likewise.
import { describe, expect, it } from "vitest";
import { profiles } from "../../src/brokers/profiles.js";
import { consumerBatching, producerBatching } from "../../src/brokers/registry.js";
import { simulate } from "../../src/index.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/** Room for a batch: RabbitMQ's prefetch above it, SQS receives of 10 (a batch is one receive). */
const brokerOf = (profile: string) => ({
  profile,
  ...(profile.startsWith("rabbitmq") ? { settings: { prefetch: 20 } } : {}),
  ...(profile.startsWith("sqs") ? { settings: { MaxNumberOfMessages: 10 } } : {}),
});
const batching = profiles.filter(
  (p) => !("refused" in consumerBatching(parsed(scenarioInput({ broker: brokerOf(p.name) })).broker)),
);
const latencies = { zero: 0, lognormal: { dist: "lognormal", median: "1ms", p99: "5ms" } };

describe.each(batching.map((p) => [p.name, p.facts.everyConsumerGetsAll] as const))(
  "%s with batch consumers",
  (profile, everyConsumerGetsAll) => {
    it.each(Object.keys(latencies))("at %s latency: every message consumed once, every batch settled", (latency) => {
      const scenario = parsed(
        scenarioInput({
          duration: "4s",
          drainTimeout: "2m",
          broker: brokerOf(profile),
          network: { latency: latencies[latency as keyof typeof latencies] },
          producers: [{ name: "p", rate: "400/s" }],
          consumers: [
            // Two instances of 5 ms per message: about 400 messages/s between them, so batches fill.
            { group: "g", instances: 2, processing: "4ms", batch: { size: 5, wait: "100ms" } },
          ],
        }),
      );
      const result = simulate(scenario);
      const { accepted, consumed, lost, duplicated, pending } = result.counts;
      // Standard SQS duplicates a tiny share of deliveries on purpose (duplicateProbability); pub/sub gives every
      // instance every message. Nothing else may consume twice. (SQS FIFO throttles sends over 300/s: count accepted.)
      if (profile !== "sqs" && !everyConsumerGetsAll) expect(duplicated).toBe(0);
      expect({ lost, pending, consumed }).toEqual({ lost: 0, pending: 0, consumed: accepted });
      const batches = result.batches!.g!;
      expect(batches.settled).toBe(batches.started);
      expect(batches.abandoned).toBe(0);
      expect(batches.bySize[5]!).toBeGreaterThan(batches.started / 2);
    });
  },
);

const sending = profiles.filter(
  (p) => !("refused" in producerBatching(parsed(scenarioInput({ broker: brokerOf(p.name) })).broker)),
);

describe.each(sending.map((p) => p.name))("%s with a batching producer", (profile) => {
  it("every message reaches the group once, in batches of 10", () => {
    const scenario = parsed(
      scenarioInput({
        duration: "2s",
        drainTimeout: "2m",
        broker: brokerOf(profile),
        network: { latency: latencies.lognormal },
        producers: [{ name: "p", rate: "500/s", batch: { size: 10, linger: "50ms" } }],
        consumers: [{ group: "g", instances: 2, processing: "1ms" }],
      }),
    );
    const result = simulate(scenario);
    expect(result.counts).toMatchObject({ lost: 0, pending: 0, consumed: result.counts.accepted });
    const figures = result.publishBatches!.p!;
    expect(figures.bySize[10]!).toBeGreaterThan(figures.sent * 0.9);
  });
});
