// Proves every fault kind checks its targets against the scenario, with the field path, the message and a did-you-mean, and refuses written forms that make no sense.
import { describe, expect, it } from "vitest";
import { validateScenario } from "../../src/index.js";

/** A scenario with groups billing (3 instances) and audit, producers checkout (2 instances) and refunds. */
function issuesOf(faults: unknown[], broker: Record<string, unknown> = { profile: "fifo" }) {
  const result = validateScenario({
    name: "t",
    duration: "10s",
    broker,
    producers: [
      { name: "checkout", instances: 2, rate: "10/s" },
      { name: "refunds", rate: "1/s" },
    ],
    consumers: [
      { group: "billing", instances: 3, processing: "1ms" },
      { group: "audit", processing: "1ms" },
    ],
    faults,
  });
  if (result.ok) return [];
  return result.issues.map((issue) => [issue.path.join("."), issue.message, issue.hint ?? null]);
}

describe("fault targets", () => {
  it("accepts every valid way of naming a target", () => {
    expect(
      issuesOf([
        { at: "1s", crash: "consumer", target: "billing/2" },
        { at: "1s", crash: "consumer", target: "billing/*", point: "before-ack", mode: "hang" },
        { at: "1s", crash: "broker", mode: "host" },
        { at: "1s", crash: "broker", target: "broker" },
        { at: "1s", crash: "producer", target: "checkout#2" },
        { at: "1s", crash: "producer", target: "refunds" },
        { at: "1s", stop: "consumer", target: "audit" },
        { at: "1s", for: "1s", slow: { target: "billing/*", factor: 2 } },
        { at: "1s", for: "1s", latency: { link: " broker -> billing/3 ", add: "1ms" } },
        { at: "1s", for: "1s", latency: { link: "*->broker", add: "1ms" } },
        { at: "1s", for: "1s", duplicate: { probability: 0.5 } },
        { at: "1s", for: "1s", duplicate: { target: "audit/1", probability: 0.5 } },
        { at: "1s", for: "1s", loss: { link: "broker->checkout#1", probability: 0.5 } },
        { at: "1s", for: "1s", partition: { between: ["refunds", " broker"] } },
        { at: "1s", for: "1s", partition: { between: ["broker", "billing/1"] } },
        { poison: { fraction: 0.1, producer: "refunds" } },
      ]),
    ).toEqual([]);
  });

  it("names the field, says what was expected and suggests the closest name", () => {
    expect(
      issuesOf([
        { at: "1s", crash: "consumer", target: "biling/2" },
        { at: "1s", crash: "producer", target: "checkout#3" },
        { at: "1s", stop: "consumer", target: "audit/2" },
        { at: "1s", for: "1s", slow: { target: "billing/4", factor: 2 } },
        { at: "1s", for: "1s", latency: { link: "broker->billng", add: "1ms" } },
        { at: "1s", for: "1s", latency: { link: "broker", add: "1ms" } },
        { at: "1s", for: "1s", duplicate: { target: "billing/*", probability: 0.5 } },
        { at: "1s", for: "1s", loss: { link: "billing->broker", probability: 0.5 } },
        { at: "1s", for: "1s", partition: { between: ["billing", "audit"] } },
        { at: "1s", for: "1s", partition: { between: ["broker", "refund"] } },
        { poison: { fraction: 0.1, producer: "checkout#1" } },
      ]),
    ).toEqual([
      ["faults.0.target", '"biling/2" is not a consumer group, instance or group/*', 'did you mean "billing/2"?'],
      ["faults.1.target", '"checkout#3" is not a producer or producer instance', 'did you mean "checkout#1"?'],
      ["faults.2.target", '"audit/2" is not a consumer group, instance or group/*', 'did you mean "audit/1"?'],
      ["faults.3.slow.target", '"billing/4" is not a consumer group, instance or group/*', 'did you mean "billing/1"?'],
      [
        "faults.4.latency.link",
        '"billng" is not a component (broker, a producer, a group or an instance)',
        'did you mean "billing"?',
      ],
      ["faults.5.latency.link", 'a link is written "from->to", e.g. broker->billing', null],
      [
        "faults.6.duplicate.target",
        '"billing/*" is not broker or a consumer group or instance',
        'did you mean "billing/1"?',
      ],
      [
        "faults.7.loss.link",
        '"billing->broker" is not a link between a producer and the broker (e.g. checkout->broker)',
        null,
      ],
      [
        "faults.8.partition.between",
        "a partition separates the broker from a producer or consumer: [broker, billing]",
        null,
      ],
      [
        "faults.9.partition.between",
        '"refund" is not a producer or consumer group or instance',
        'did you mean "refunds"?',
      ],
      ["faults.10.poison.producer", '"checkout#1" is not a producer', 'did you mean "checkout"?'],
    ]);
  });

  it("checks a broker node against the nodes the profile models", () => {
    expect(issuesOf([{ at: "1s", crash: "broker", target: "broker/1" }], { profile: "kafka" })).toEqual([]);
    expect(issuesOf([{ at: "1s", crash: "broker", target: "broker/2" }], { profile: "kafka" })).toEqual([
      [
        "faults.0.target",
        '"broker/2" is not a broker of this cluster: broker.brokers is 1, so broker/1 to broker/1',
        'did you mean "broker/1"?',
      ],
    ]);
    expect(issuesOf([{ at: "1s", crash: "broker", target: "broker/1" }], { profile: "sqs" })).toEqual([
      [
        "faults.0.target",
        '"broker/1": profile sqs models a single broker node; crash it with target broker (or no target)',
        'did you mean "broker"?',
      ],
    ]);
  });

  it("refuses written forms that make no sense for the kind", () => {
    expect(
      issuesOf([
        { at: "1s", every: "5s", crash: "consumer", target: "billing/1" },
        { at: "1s", crash: "consumer" },
        { at: "1s", crash: "producer", point: "before-ack", mode: "hang" },
        { at: "1s", crash: "broker", target: "node/1", point: "after-receive", mode: "hang" },
      ]),
    ).toEqual([
      ["faults.0", "give either at (one fault) or every (random faults), not both", null],
      ["faults.1.target", "a consumer crash needs a target, e.g. billing/2", null],
      ["faults.2.target", "a producer crash needs a target, e.g. checkout#1", null],
      ["faults.2.mode", "a producer crash is mode process or host; hang applies to consumers only", null],
      ["faults.2.point", "crash points apply to consumer crashes only", null],
      ["faults.3.mode", "a broker crash is mode process or host; hang applies to consumers only", null],
      [
        "faults.3.target",
        "a broker crash targets the broker (every node, the default) or one node of a kafka cluster: broker/2",
        null,
      ],
      ["faults.3.point", "crash points apply to consumer crashes only", null],
    ]);
  });
});
