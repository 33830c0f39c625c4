// Proves the swarm's invariants hold for generated runs of every profile, and that a profile broken on purpose (it forgets to requeue what a crashed consumer held) and a producer that forgets what it holds for the retirement are caught and shrunk to a small scenario.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Broker } from "../../src/brokers/broker.js";
import type { ProfileDefinition } from "../../src/brokers/profile.js";
import { profiles } from "../../src/brokers/profiles.js";
import {
  clockViolations,
  conservationViolations,
  nonNegativeViolations,
  RunWatcher,
} from "../../src/explore/invariants.js";
import { swarmSeed, violationsOf } from "../../src/explore/swarm.js";
import { Producer } from "../../src/model/producer.js";
import { runScenario } from "../../src/pipeline/run-scenario.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

describe("swarm", () => {
  it("seeds 1 to 80 keep every invariant (conservation, determinism, retirement, no loss where promised, clocks, counts)", () => {
    const outcomes = Array.from({ length: 80 }, (_, i) => swarmSeed(i + 1));
    const failed = outcomes.filter((outcome) => outcome.kind === "failed");
    expect(failed).toEqual([]);
    expect(outcomes.filter((outcome) => outcome.kind === "passed").length).toBeGreaterThan(70);
  });
});

describe("each invariant", () => {
  const scenario = parsed(
    scenarioInput({
      duration: "2s",
      consumers: [
        { group: "a", processing: "1ms" },
        { group: "b", processing: "2ms" },
      ],
      faults: [{ at: "500ms", crash: "consumer", target: "a/1", restartAfter: "100ms" }],
    }),
  );
  const watcher = new RunWatcher();
  const { summary, result } = runScenario(scenario, { observers: [watcher] });
  const groups = result.names.groups;

  it("holds on a real run", () => {
    expect(conservationViolations(watcher, summary, groups)).toEqual([]);
    expect(nonNegativeViolations(summary)).toEqual([]);
    expect(clockViolations(watcher, summary)).toEqual([]);
  });

  it("conservation fails when the summary's pending, consumed or published disagree with the groups", () => {
    for (const field of ["pending", "consumed", "published"] as const) {
      const tampered = { ...summary, messages: { ...summary.messages, [field]: summary.messages[field] + 1 } };
      expect(conservationViolations(watcher, tampered, groups).map((v) => v.invariant)).toContain("conservation");
    }
  });

  it("counts fail when negative, fractional or above what bounds them", () => {
    const m = summary.messages;
    for (const change of [
      { lost: -1 },
      { pending: 0.5 },
      { duplicated: m.consumed + 1 },
      { confirmed: m.published + 1 },
    ]) {
      const tampered = { ...summary, messages: { ...m, ...change } };
      expect(nonNegativeViolations(tampered)).toHaveLength(1);
    }
  });

  it("clocks fail when an event comes before the one seen last, or a fault ends before it starts", () => {
    const backwards = new RunWatcher();
    backwards.published(0, 100);
    backwards.consumed(0, 0, 0, 1, 50);
    expect(clockViolations(backwards, summary)).toHaveLength(1);
    const fault = { ...summary.faults[0]!, endMs: summary.faults[0]!.startMs - 1 };
    expect(clockViolations(watcher, { ...summary, faults: [fault] })).toHaveLength(1);
  });
});

describe("no loss where promised", () => {
  // Swarm seed 120789, shrunk: a consumer of a quorum queue (RabbitMQ 4.x defaults) crashing every 2 ms or so.
  const crashing = {
    name: "generated",
    seed: 0,
    duration: "61ms",
    drainTimeout: "1s",
    broker: { profile: "rabbitmq-quorum" },
    network: { latency: "50us" },
    producers: [{ name: "p1", arrival: { process: "poisson", rate: "78/s" } }],
    consumers: [
      {
        group: "g1",
        processing: "100us",
        steps: [
          { work: { dist: "exponential", mean: "3395us" } },
          { call: "d1" },
          { work: { dist: "uniform", min: "422us", max: "3591us" } },
        ],
        retry: {},
      },
    ],
    dependencies: { d1: { latency: { dist: "exponential", mean: "100us" } } },
    faults: [
      {
        crash: "consumer",
        target: "g1/1",
        point: "now",
        mode: "process",
        restartAfter: "1ms",
        every: { dist: "exponential", mean: "1ms" },
        stableFor: "1ms",
      },
    ],
    expect: {},
  };

  it("allows what a quorum queue gives up at its default delivery limit, which crashes' returns count towards", () => {
    const watcher = new RunWatcher();
    const { summary } = runScenario(parsed(crashing), { observers: [watcher] });
    // The broker dropped a message returned more than 20 times: the loss the exception is for.
    expect(watcher.droppedAtDeliveryLimit).toBeGreaterThan(0);
    expect(summary.messages.lost).toBe(watcher.droppedAtDeliveryLimit);
    expect(violationsOf(crashing)).toEqual([]);
  });
});

describe("a profile that forgets to requeue on a consumer crash", () => {
  const index = profiles.findIndex((profile) => profile.name === "fifo");
  const original = profiles[index]!;
  const registry = profiles as ProfileDefinition[];
  afterEach(() => {
    registry[index] = original;
  });

  /** fifo, except that a crashed consumer's deliveries are settled as if acked: they are never delivered again. */
  const forgetful: ProfileDefinition = {
    ...original,
    create(context, section) {
      const inner = original.create(context, section);
      return new Proxy(inner, {
        get(target, property) {
          if (property === "consumerDown") {
            return (consumer: number, loss: Parameters<Broker["consumerDown"]>[1]) => {
              const held: number[] = [];
              context.deliveries.forEachOpen((handle) => {
                if (context.deliveries.consumer(handle) === consumer) held.push(handle);
              });
              for (const handle of held) target.ack(handle);
              target.consumerDown(consumer, loss);
            };
          }
          const value = Reflect.get(target, property) as unknown;
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    },
  };

  it("is caught as a loss the profile promised not to make, and shrunk to one crash", () => {
    registry[index] = forgetful;
    const space = {
      profiles: ["fifo"],
      kinds: ["consumer-crash", "slow-consumer"] as const,
      settings: "default" as const,
    };
    const outcomes = Array.from({ length: 40 }, (_, i) => swarmSeed(i + 1, space));
    const failed = outcomes.find((outcome) => outcome.kind === "failed");
    if (failed?.kind !== "failed") throw new Error("no seed of 40 caught the forgetful profile");
    expect(failed.violations.map((v) => v.invariant)).toContain("no-loss");
    expect(failed.shrunkViolations.map((v) => v.invariant)).toContain("no-loss");
    expect(failed.shrinkSteps).toBeGreaterThan(0);
    const shrunk = failed.shrunk as { faults: { crash?: string }[]; producers: unknown[]; consumers: unknown[] };
    expect(shrunk.faults).toHaveLength(1);
    expect(shrunk.faults[0]!.crash).toBe("consumer");
    expect(shrunk.producers).toHaveLength(1);
    expect(shrunk.consumers).toHaveLength(1);
    // The same seeds with the real fifo profile keep every invariant.
    registry[index] = original;
    expect(swarmSeed(failed.seed, space).kind).not.toBe("failed");
  });
});

describe("the swarm with a holder that forgets what it holds", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is caught by the second run, which retires after every event, and shrunk", () => {
    // Producers say they hold nothing: a message whose publish is still on its way may then be retired.
    vi.spyOn(Producer.prototype, "oldestHeld").mockReturnValue(Number.POSITIVE_INFINITY);
    // Seed 3 draws a producer with a publish timeout: a copy still on its way after its publish timed out is
    // held by the producer alone.
    const space = { settings: "default" as const };
    const outcomes = Array.from({ length: 10 }, (_, i) => swarmSeed(i + 1, space));
    const failed = outcomes.find((outcome) => outcome.kind === "failed");
    if (failed?.kind !== "failed") throw new Error("no seed of 10 caught the forgetful producer");
    expect(failed.violations.map((v) => v.invariant)).toEqual(["retirement"]);
    expect(failed.shrunkViolations.map((v) => v.invariant)).toEqual(["retirement"]);
    vi.restoreAllMocks();
    expect(swarmSeed(failed.seed, space).kind).not.toBe("failed");
  });
});
