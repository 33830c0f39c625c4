// Proves runs with sagas that retire messages give the same results: generated sagas (failing steps, compensations, steps that give up after their retries, lost commands and compensations, duplicates) over several profiles with crashes, forced retirement against none, the swarm's generator with a saga laid over it, and the shipped saga's report.
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, type ParsedScenario } from "../../src/index.js";
import { runScenario } from "../../src/pipeline/run-scenario.js";
import { reportFiles } from "../../src/report/report.js";
import { mayRetire } from "../../src/run/retirement.js";
import {
  bothWays,
  generatedSameRetiringOrNot,
  QUEUE_PER_GROUP_PROFILES,
  SHORT_RUN_BROKER_EXTRAS,
  sameRetiringOrNot,
} from "../helpers/retirement.js";
import { sagaScenarioArbitrary } from "../helpers/saga-scenarios.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const PROFILES = QUEUE_PER_GROUP_PROFILES;
const BROKER_EXTRAS = SHORT_RUN_BROKER_EXTRAS;

const sagaRun = fc.record({
  profile: fc.constantFrom(...PROFILES),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  instances: fc.integer({ min: 1, max: 2 }),
  rate: fc.constantFrom(100, 300),
  meanMs: fc.constantFrom(1, 4),
  latencyUs: fc.constantFrom(0, 300, 3000),
  /** Three steps or two; each later step's business failures in percent. */
  threeSteps: fc.boolean(),
  failures: fc.array(fc.constantFrom(0, 5, 30), { minLength: 2, maxLength: 2 }),
  /** The second step calls a service that fails now and then; its retries give up (a failed step, compensated). */
  givesUp: fc.option(fc.constantFrom("dead-letter", "drop", "park"), { nil: undefined }),
  /** RabbitMQ settles on delivery: a crash after receiving loses a command or a compensation (a stuck saga). */
  autoAck: fc.boolean(),
  /** A crash of a compensation's or a step's consumer (a redelivery: duplicates, compensations applied twice). */
  crash: fc.option(
    fc.record({
      at: fc.integer({ min: 100, max: 1900 }),
      target: fc.constantFrom("undo-a/1", "undo-a/1", "b/1", "c/1"),
      point: fc.constantFrom("now", "after-receive", "after-side-effect", "before-ack"),
    }),
    { nil: undefined },
  ),
  /** Shorter than some sagas take (stuck at the end) or long (in flight). */
  timeoutMs: fc.constantFrom(20, 500, 5000),
});
type SagaRun = typeof sagaRun extends fc.Arbitrary<infer T> ? T : never;

function sagaScenario(run: SagaRun): ParsedScenario {
  const processing = { dist: "exponential", mean: `${run.meanMs}ms` };
  const group = (name: string, extra: Record<string, unknown> = {}) => ({
    group: name,
    instances: run.instances,
    processing,
    ...extra,
  });
  const calling =
    run.givesUp === undefined
      ? {}
      : { steps: [{ call: "svc" }], retry: { maxAttempts: 2, backoff: { type: "none" }, onExhausted: run.givesUp } };
  const steps = [
    { group: "a", compensate: "undo-a" },
    { group: "b", failure: run.failures[0]! / 100, ...(run.threeSteps ? { compensate: "undo-b" } : {}) },
    ...(run.threeSteps ? [{ group: "c", failure: run.failures[1]! / 100 }] : []),
  ];
  const settings = run.profile === "rabbitmq" && run.autoAck ? { autoAck: true } : {};
  const extras = BROKER_EXTRAS[run.profile];
  return parsed(
    scenarioInput({
      seed: run.seed,
      duration: "2s",
      drainTimeout: "3s",
      broker: { profile: run.profile, ...extras, settings: { ...(extras?.settings as object), ...settings } },
      network: { latency: run.latencyUs === 0 ? "0us" : { dist: "exponential", mean: `${run.latencyUs}us` } },
      producers: [{ name: "shop", rate: `${run.rate}/s`, keys: { count: 20 } }],
      ...(run.givesUp === undefined
        ? {}
        : { dependencies: { svc: { latency: "1ms", concurrency: 10, errors: { transient: 0.2 } } } }),
      consumers: [
        group("a"),
        group("b", calling),
        ...(run.threeSteps ? [group("c"), group("undo-b")] : []),
        group("undo-a"),
      ],
      sagas: { order: { steps, timeout: `${run.timeoutMs}ms` } },
      faults:
        run.crash === undefined || (run.crash.target === "c/1" && !run.threeSteps)
          ? []
          : [
              {
                at: `${run.crash.at}ms`,
                crash: "consumer",
                target: run.crash.target,
                ...(run.crash.point === "now" ? {} : { point: run.crash.point }),
                restartAfter: "300ms",
              },
            ],
    }),
  );
}

/** Every file of the run's report, by path. */
async function reportOf(scenario: ParsedScenario, retire: "off" | { every: number; rows: number }) {
  return reportFiles(runScenario(scenario, { retire, series: "auto" }));
}

describe("sagas: retiring messages changes no result", () => {
  it("generated sagas (failures, retries that give up, lost and redelivered commands and compensations, timeouts) over ten profiles with crashes: the same summary", () => {
    const runs = fc.sample(sagaRun, { seed: 53, numRuns: 80 });
    const retired = sameRetiringOrNot(runs, sagaScenario);
    // A saga holds no row (what it reads of a retired message is copied as the row retires): what pins the
    // watermark is the profile's, a crashed consumer's delivery or a message in play. 80 of these 80 retire.
    expect(retired).toBeGreaterThan(0.9 * runs.length);
  });

  it("the generated sagas cover what the coordinator folds and holds: compensations sent, lost, applied twice; stuck sagas", () => {
    const runs = fc.sample(sagaRun, { seed: 53, numRuns: 80 });
    const figures = runs.map((run) => runScenario(sagaScenario(run), { retire: "off" }).summary.sagas!.order!);
    expect(figures.filter((s) => s.compensations.sent > 0).length).toBeGreaterThan(40);
    expect(figures.filter((s) => s.compensations.lost > 0).length).toBeGreaterThan(0);
    expect(figures.filter((s) => s.compensatedTwice > 0).length).toBeGreaterThan(0);
    expect(figures.filter((s) => s.duplicateSteps > 0).length).toBeGreaterThan(0);
    expect(figures.filter((s) => s.stuck > 0).length).toBeGreaterThan(5);
  });

  it("the swarm's generator with a saga laid over it (drawn settings, patterns, faults): the same summary", () => {
    const space = { settings: "drawn", profiles: PROFILES } as const;
    const inputs = fc.sample(sagaScenarioArbitrary(space), { seed: 59, numRuns: 60 });
    const { retiring, retired } = generatedSameRetiringOrNot(inputs);
    // Broker crashes and some settings keep every row (mayRetire); most of the rest retire.
    expect(retiring).toBeGreaterThan(20);
    expect(retired).toBeGreaterThan(15);
  });

  it("saga-stuck-compensation (shipped: a compensation lost in a crash, a stuck saga): the same report either way, and it retires", async () => {
    const loaded = loadScenarioFile(join(import.meta.dirname, "..", "..", "scenarios", "saga-stuck-compensation.yaml"));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    expect(mayRetire(loaded.scenario)).toBe(true);
    const forced = await reportOf(loaded.scenario, { every: 1, rows: 16 });
    expect(Object.keys(forced)).toContain("index.html");
    expect(forced["summary.json"]).toContain('"stuck": 1');
    expect(forced).toEqual(await reportOf(loaded.scenario, "off"));
    expect(bothWays(loaded.scenario).table.base).toBeGreaterThan(0);
  });
});
