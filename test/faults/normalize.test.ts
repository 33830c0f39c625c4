// Proves normalization resolves every kind's targets once, to the indices the run uses: consumer and producer instances, a group's instances for random picks, broker nodes and links.
import { describe, expect, it } from "vitest";
import { normalizeFaults } from "../../src/faults/normalize.js";
import type { LinkRef } from "../../src/faults/world.js";
import { parsed } from "../helpers/scenario.js";

/**
 * Consumers billing/1-3 are instances 0-2 and audit/1-2 are 3-4; producers
 * checkout#1-2 are instances 0-1 and refunds#1 is 2. A kafka cluster of 3.
 */
function normalized(...faults: unknown[]) {
  return normalizeFaults(
    parsed({
      name: "t",
      duration: "10s",
      broker: { profile: "kafka", brokers: 3 },
      producers: [
        { name: "checkout", instances: 2, rate: "10/s" },
        { name: "refunds", rate: "1/s" },
      ],
      consumers: [
        { group: "billing", instances: 3, processing: "1ms" },
        { group: "audit", instances: 2, processing: "1ms" },
      ],
      faults,
    }),
  );
}

const once = { at: 1_000_000, every: null, stableFor: 0 };
const consumer = (index: number, direction: LinkRef["direction"]): LinkRef => ({
  client: "consumer",
  index,
  direction,
});
const producer = (index: number, direction: LinkRef["direction"]): LinkRef => ({
  client: "producer",
  index,
  direction,
});

describe("normalized faults", () => {
  it("consumer crashes: an instance, a whole group, or a group's instances to pick one up from", () => {
    const [instance, group, random] = normalized(
      { at: "1s", crash: "consumer", target: "billing/2", restartAfter: "2s" },
      { at: "1s", crash: "consumer", target: "audit", mode: "host", point: "before-ack" },
      { every: "5s", stableFor: "1s", crash: "consumer", target: "billing/*", mode: "hang" },
    );
    expect(instance).toEqual({
      kind: "consumer-crash",
      index: 0,
      timing: once,
      target: { consumers: [1], pickOneUp: false },
      point: "now",
      loss: "closed",
      restartAfter: 2_000_000,
    });
    expect(group).toMatchObject({ index: 1, target: { consumers: [3, 4], pickOneUp: false }, loss: "silent" });
    expect(group).toMatchObject({ point: "before-ack", restartAfter: null });
    expect(random).toMatchObject({
      timing: { at: 0, every: { dist: "constant", value: 5_000_000 }, stableFor: 1_000_000 },
      target: { consumers: [0, 1, 2], pickOneUp: true },
      loss: "silent",
    });
  });

  it("stops and slow consumers resolve their targets the same way", () => {
    const [stop, slow] = normalized(
      { at: "1s", stop: "consumer", target: "audit/*", gracePeriod: "1s" },
      { at: "1s", for: "2s", slow: { target: "billing/3", factor: 4 } },
    );
    expect(stop).toEqual({
      kind: "consumer-stop",
      index: 0,
      timing: once,
      target: { consumers: [3, 4], pickOneUp: true },
      gracePeriod: 1_000_000,
      restartAfter: null,
    });
    expect(slow).toEqual({
      kind: "slow-consumer",
      index: 1,
      timing: once,
      target: { consumers: [2], pickOneUp: false },
      factor: 4,
      lasts: 2_000_000,
    });
  });

  it("broker crashes: the whole broker, or one node counted from 0", () => {
    const [whole, node] = normalized(
      { at: "1s", crash: "broker", mode: "host" },
      { at: "1s", crash: "broker", target: "broker/3", restartAfter: "1s" },
    );
    expect(whole).toEqual({
      kind: "broker-crash",
      index: 0,
      timing: once,
      node: null,
      failure: "host",
      restartAfter: null,
    });
    expect(node).toMatchObject({ node: 2, failure: "process", restartAfter: 1_000_000 });
  });

  it("producer crashes and poison: producer instances, and the written producer", () => {
    const [all, one, poisonAll, poisonOne] = normalized(
      { at: "1s", crash: "producer", target: "checkout" },
      { at: "1s", crash: "producer", target: "refunds#1" },
      { poison: { fraction: 0.1 } },
      { poison: { fraction: 0.2, producer: "refunds" } },
    );
    expect(all).toEqual({ kind: "producer-crash", index: 0, timing: once, producers: [0, 1], restartAfter: null });
    expect(one).toMatchObject({ producers: [2] });
    expect(poisonAll).toEqual({
      kind: "poison",
      index: 2,
      timing: "whole-run",
      producer: null,
      label: "*",
      fraction: 0.1,
    });
    expect(poisonOne).toMatchObject({ producer: 1, label: "refunds", fraction: 0.2 });
  });

  it("latency: the links a from->to pattern matches, in the run's order", () => {
    const [toGroup, fromAll, none] = normalized(
      { at: "1s", for: "1s", latency: { link: " broker -> audit ", add: "5ms", jitter: "1ms" } },
      { at: "1s", for: "1s", latency: { link: "*->broker", add: "5ms" } },
      { at: "1s", for: "1s", latency: { link: "checkout->billing", add: "5ms" } },
    );
    expect(toGroup).toEqual({
      kind: "latency",
      index: 0,
      timing: once,
      label: " broker -> audit ",
      links: [consumer(3, "from-broker"), consumer(4, "from-broker")],
      add: 5_000,
      jitter: 1_000,
      lasts: 1_000_000,
    });
    expect(fromAll).toMatchObject({
      links: [0, 1, 2, 3, 4]
        .map((i) => consumer(i, "to-broker"))
        .concat([0, 1, 2].map((i) => producer(i, "to-broker"))),
    });
    // A pattern that names no existing link is valid and names none.
    expect(none).toMatchObject({ links: [] });
  });

  it("duplicate: links from the broker, to every client by default", () => {
    const [broker, group] = normalized(
      { at: "1s", for: "1s", duplicate: { probability: 0.5 } },
      { at: "1s", for: "1s", duplicate: { target: "billing/1", probability: 0.5 } },
    );
    expect(broker).toMatchObject({
      label: "broker",
      links: [0, 1, 2, 3, 4]
        .map((i) => consumer(i, "from-broker"))
        .concat([0, 1, 2].map((i) => producer(i, "from-broker"))),
    });
    expect(group).toEqual({
      kind: "duplicate",
      index: 1,
      timing: once,
      label: "billing/1",
      links: [consumer(0, "from-broker")],
      probability: 0.5,
      lasts: 1_000_000,
    });
  });

  it("loss and partition: a producer's links, or every link between the broker and a side", () => {
    const [loss, cutConsumers, cutProducer] = normalized(
      { at: "1s", for: "1s", loss: { link: "checkout#2->broker", probability: 0.5 } },
      { at: "1s", for: "1s", partition: { between: ["broker", " audit"] } },
      { at: "1s", for: "1s", partition: { between: ["refunds", "broker"] } },
    );
    expect(loss).toEqual({
      kind: "loss",
      index: 0,
      timing: once,
      label: "checkout#2->broker",
      links: [producer(1, "to-broker")],
      probability: 0.5,
      lasts: 1_000_000,
    });
    expect(cutConsumers).toEqual({
      kind: "partition",
      index: 1,
      timing: once,
      side: "audit",
      links: [
        consumer(3, "from-broker"),
        consumer(3, "to-broker"),
        consumer(4, "from-broker"),
        consumer(4, "to-broker"),
      ],
      consumers: [3, 4],
      lasts: 1_000_000,
    });
    expect(cutProducer).toMatchObject({
      side: "refunds",
      links: [producer(2, "from-broker"), producer(2, "to-broker")],
      consumers: [],
    });
  });
});
