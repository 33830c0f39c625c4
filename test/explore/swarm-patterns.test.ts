// Proves the swarm's invariants on the application patterns, with the scenarios swarm seeds 1040, 1337 and 622 shrank to: app dead-letters are conserved through a broker crash, a failure handed back to Kafka is the application's loss, and an effect applied by a timed-out call of a message never consumed is bounded by the calls that applied it.
import { describe, expect, it } from "vitest";
import { nonNegativeViolations, promisesNoLoss } from "../../src/explore/invariants.js";
import { violationsOf } from "../../src/explore/swarm.js";
import { kindOfWritten } from "../../src/faults/registry.js";
import { runScenario } from "../../src/pipeline/run-scenario.js";
import { parsed } from "../helpers/scenario.js";

function generated(rest: Record<string, unknown>) {
  return { name: "generated", seed: 0, duration: "50ms", faults: [], expect: {}, ...rest };
}

/** Seed 1040, shrunk: SQS FIFO crashing every ~11 ms; the application dead-letters message 0 50 µs before a crash eats its delete. */
const deadLetterBeforeCrash = generated({
  seed: 4290575839,
  drainTimeout: "1s",
  broker: { profile: "sqs-fifo" },
  network: { latency: "50us" },
  producers: [{ name: "p1", arrival: { process: "poisson", rate: "35/s" } }],
  consumers: [
    {
      group: "g1",
      processing: { dist: "exponential", mean: "100us" },
      steps: [{ work: { dist: "exponential", mean: "3717us" } }, { call: "d1" }],
      retry: {},
    },
  ],
  dependencies: {
    d1: { latency: { dist: "lognormal", median: "2162us", p99: "4324us" }, errors: { permanent: 0.08 } },
  },
  faults: [
    {
      crash: "broker",
      target: "broker",
      mode: "process",
      restartAfter: "1ms",
      every: { dist: "exponential", mean: "11ms" },
      stableFor: "11ms",
    },
  ],
});

/** Seed 1337, shrunk: Kafka with defaults, a dependency failing 3% of calls transiently, and no retry policy. */
function kafkaTransient(consumer: Record<string, unknown> = {}) {
  return generated({
    seed: 19,
    duration: "71ms",
    drainTimeout: "5s",
    broker: { profile: "kafka", partitions: 1 },
    network: { latency: "50us" },
    producers: [
      {
        name: "p1",
        keys: { count: 1 },
        arrival: { process: "poisson", phases: [{ for: "71ms", rate: "33/s" }], repeat: false },
      },
    ],
    consumers: [{ group: "g1", processing: "100us", steps: [{ call: "d1" }], ...consumer }],
    dependencies: { d1: { latency: "100us", errors: { transient: 0.03 } } },
  });
}

/** Seed 622, shrunk: redis-pubsub; both instances of g1 get the message and call d1, which answers after their 1 ms timeout and charges anyway. */
const chargedAfterTimeout = generated({
  drainTimeout: "1s",
  broker: { profile: "redis-pubsub" },
  network: { latency: { dist: "exponential", mean: "50us" } },
  producers: [{ name: "p1", arrival: { process: "poisson", rate: "5/s" } }],
  consumers: [
    {
      group: "g1",
      instances: 2,
      processing: { dist: "lognormal", median: "100us", p99: "200us" },
      steps: [{ call: "d1", sideEffect: true }],
    },
    { group: "g2", processing: { dist: "uniform", min: "100us", max: "101us" }, steps: [{ call: "d1" }] },
  ],
  dependencies: { d1: { latency: { dist: "empirical", values: ["1001us"] }, timeout: "1ms" } },
});

const kindOf = (scenario: ReturnType<typeof parsed>) => (index: number) => kindOfWritten(scenario.faults[index]!).kind;

describe("the patterns' scenarios the swarm once failed", () => {
  it("seed 1040: a message dead-lettered just before a broker crash ate its delete counts dead-lettered, not pending", () => {
    const m = runScenario(parsed(deadLetterBeforeCrash)).summary.messages;
    expect([m.published, m.deliveries, m.deadLettered, m.pending, m.lost, m.consumed]).toEqual([2, 1, 1, 1, 0, 0]);
    expect(violationsOf(deadLetterBeforeCrash)).toEqual([]);
  });

  it("seed 1337: Kafka skips a record whose processing failed (lost, processing-failed): the application's loss, not checked", () => {
    const scenario = parsed(kafkaTransient());
    const m = runScenario(scenario).summary.messages;
    expect([m.published, m.consumed, m.dropped, m.lost]).toEqual([4, 3, 1, 1]);
    expect(promisesNoLoss(scenario, kindOf(scenario))).toBe(false);
    expect(violationsOf(kafkaTransient())).toEqual([]);
  });

  it("the same with a retry policy that dead-letters keeps the no-loss check, and passes it", () => {
    const written = kafkaTransient({ retry: { maxAttempts: 1, onExhausted: "dead-letter" } });
    const scenario = parsed(written);
    const m = runScenario(scenario).summary.messages;
    expect([m.published, m.consumed, m.deadLettered, m.lost]).toEqual([4, 3, 1, 0]);
    expect(promisesNoLoss(scenario, kindOf(scenario))).toBe(true);
    expect(violationsOf(written)).toEqual([]);
    const nacksWhileOpen = kafkaTransient({
      retry: { onExhausted: "dead-letter" },
      breakers: { d1: { consecutiveFailures: 5, openFor: "1s", whileOpen: "nack" } },
    });
    expect(promisesNoLoss(parsed(nacksWhileOpen), () => "none")).toBe(false);
  });

  it("seed 622: an effect repeated for a message never consumed is within half the effects dependencies applied", () => {
    const summary = runScenario(parsed(chargedAfterTimeout)).summary;
    const m = summary.messages;
    expect([m.published, m.consumed, m.sideEffectsRepeated]).toEqual([1, 0, 1]);
    expect(summary.dependencies!.d1!.effectsApplied).toBe(2);
    expect(summary.dependencies!.d1!.appliedAfterTimeout).toBe(2);
    expect(violationsOf(chargedAfterTimeout)).toEqual([]);
    // One more repeat than consumptions and pairs of applied effects can explain is a violation.
    const tampered = { ...summary, messages: { ...m, sideEffectsRepeated: 2 } };
    expect(nonNegativeViolations(tampered).map((v) => v.detail)).toEqual([
      "sideEffectsRepeated 2 exceeds consumed 0 + half of the 2 effects dependencies applied",
    ]);
  });
});
