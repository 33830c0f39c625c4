// Proves runs with pipeline stages (publishTo, fan-out, choose, maxHops cycles, gather) that retire messages give the same results: generated flows over several profiles with crashes, stops and latency, with retirement forced after every event and with it off, and the report directories of shipped flows.
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validScenarioArbitrary } from "../../src/explore/scenario-arbitrary.js";
import { loadScenarioFile, type ParsedScenario } from "../../src/index.js";
import { messageLineages } from "../../src/pipeline/lineage.js";
import { runScenario } from "../../src/pipeline/run-scenario.js";
import { reportFiles } from "../../src/report/report.js";
import { mayRetire } from "../../src/run/retirement.js";
import {
  generatedSameRetiringOrNot,
  QUEUE_PER_GROUP_PROFILES,
  SHORT_RUN_BROKER_EXTRAS,
  sameRetiringOrNot,
  TableKeeper,
} from "../helpers/retirement.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const PROFILES = QUEUE_PER_GROUP_PROFILES;
const BROKER_EXTRAS = SHORT_RUN_BROKER_EXTRAS;

/** The flow's shape: a chain, a fan-out gathered downstream, a choice between two routes, a cycle bounded by maxHops. */
const SHAPES = ["chain", "fan-in", "choose", "loop"] as const;

const flowRun = fc.record({
  profile: fc.constantFrom(...PROFILES),
  shape: fc.constantFrom(...SHAPES),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  instances: fc.integer({ min: 1, max: 3 }),
  rate: fc.constantFrom(100, 400),
  meanMs: fc.constantFrom(1, 3, 8),
  latencyUs: fc.constantFrom(0, 300, 3000),
  parts: fc.integer({ min: 2, max: 3 }),
  /** A fan-out that sometimes sends fewer parts than the gather waits for: its set times out with no part in play. */
  shortFanOut: fc.boolean(),
  /** A gather's timeout: short enough that some sets time out and late parts come after. */
  gatherTimeoutMs: fc.constantFrom(5, 50, 2000),
  maxHops: fc.integer({ min: 1, max: 4 }),
  chooseBy: fc.constantFrom("weight", "key"),
  crash: fc.option(
    fc.record({
      at: fc.integer({ min: 100, max: 1900 }),
      mode: fc.constantFrom("process", "hang", "host"),
      point: fc.constantFrom("now", "after-side-effect", "after-dedup-record", "before-ack"),
    }),
    { nil: undefined },
  ),
  stopAt: fc.option(fc.integer({ min: 100, max: 1900 }), { nil: undefined }),
  producerCrashAt: fc.option(fc.integer({ min: 100, max: 1900 }), { nil: undefined }),
  /** The stages' idempotency: a dedup store skips the effect and the publish of a message it recorded. */
  idempotency: fc.constantFrom("none", "dedup-store", "transactional"),
  /** A second broker (`brokers:`) the last group lives on. */
  secondBroker: fc.option(fc.constantFrom(...PROFILES), { nil: undefined, freq: 2 }),
});
type FlowRun = typeof flowRun extends fc.Arbitrary<infer T> ? T : never;

/** The groups of each shape: what each publishes to, and the gather or hop bound it has. */
function consumersOf(run: FlowRun): Record<string, unknown>[] {
  const processing = { dist: "exponential", mean: `${run.meanMs}ms` };
  const group = (name: string, extra: Record<string, unknown> = {}) => ({
    group: name,
    instances: run.instances,
    processing,
    ...(run.idempotency === "none" ? {} : { idempotency: { strategy: run.idempotency } }),
    ...extra,
  });
  switch (run.shape) {
    case "chain":
      return [group("a", { publishTo: "b" }), group("b", { publishTo: "c" }), group("c")];
    case "fan-in":
      return [
        group("a", {
          publishTo: {
            group: "b",
            count: run.shortFanOut ? { weights: { "1": 1, [String(run.parts)]: 2 } } : run.parts,
          },
        }),
        group("b", { publishTo: "c" }),
        group("c", { gather: { parts: run.parts, timeout: `${run.gatherTimeoutMs}ms` } }),
      ];
    case "choose":
      return [
        group("a", { publishTo: { choose: { b: 2, c: 1 }, by: run.chooseBy } }),
        group("b", { publishTo: "d" }),
        group("c", { publishTo: "d" }),
        group("d"),
      ];
    default:
      return [
        group("a", { publishTo: "b" }),
        group("b", { publishTo: "c", maxHops: run.maxHops }),
        group("c", { publishTo: "b" }),
      ];
  }
}

function faultsOf(run: FlowRun): Record<string, unknown>[] {
  return [
    ...(run.crash === undefined
      ? []
      : [
          {
            at: `${run.crash.at}ms`,
            crash: "consumer",
            target: "b/1",
            mode: run.crash.mode,
            ...(run.crash.point === "now" ? {} : { point: run.crash.point }),
            restartAfter: "300ms",
          },
        ]),
    ...(run.stopAt === undefined
      ? []
      : [{ at: `${run.stopAt}ms`, stop: "consumer", target: "c/1", restartAfter: "300ms" }]),
    ...(run.producerCrashAt === undefined
      ? []
      : [{ at: `${run.producerCrashAt}ms`, crash: "producer", target: "load", restartAfter: "200ms" }]),
  ];
}

/** A 2 s run of one producer (20 keys) at `rate` a second into the run's profile, with its latency. */
function twoSecondRun(run: { seed: number; profile: (typeof PROFILES)[number]; latencyUs: number }, rate: number) {
  return {
    seed: run.seed,
    duration: "2s",
    drainTimeout: "3s",
    broker: { profile: run.profile, ...BROKER_EXTRAS[run.profile] },
    network: { latency: run.latencyUs === 0 ? "0us" : { dist: "exponential", mean: `${run.latencyUs}us` } },
    producers: [{ name: "load", rate: `${rate}/s`, keys: { count: 20 } }],
  };
}

function flowScenario(run: FlowRun): ParsedScenario {
  const consumers = consumersOf(run);
  if (run.secondBroker !== undefined) consumers[consumers.length - 1]!.broker = "other";
  return parsed(
    scenarioInput({
      ...twoSecondRun(run, run.rate),
      ...(run.secondBroker === undefined
        ? {}
        : { brokers: { other: { profile: run.secondBroker, ...BROKER_EXTRAS[run.secondBroker] } } }),
      consumers,
      faults: faultsOf(run),
    }),
  );
}

/** Every file of the run's report (with its counter-examples' lineage, which replays the run), by path. */
async function reportOf(scenario: ParsedScenario, retire: "off" | { every: number; rows: number }) {
  const run = runScenario(scenario, { retire, series: "auto" });
  return reportFiles(run, { lineage: messageLineages(run) });
}

describe("pipeline stages: retiring messages changes no result", () => {
  it("generated flows (chains, fan-in with timeouts, choices, bounded cycles, a second broker) with crashes, stops and latency: the same summary", () => {
    const runs = fc.sample(flowRun, { seed: 41, numRuns: 120 });
    const retired = sameRetiringOrNot(runs, flowScenario);
    // A message that stays in play (a crashed consumer's delivery with no detection on the profile, a gather's
    // set waiting out its timeout) pins the watermark, and a flow keeps its root: nearly every run still
    // retires (118 of these 120; 84 when the roots of messages only kept for a root were kept too).
    expect(retired).toBeGreaterThan(0.9 * runs.length);
  });

  it("the swarm's generator with flows and stage extras (routing profiles): the same summary", () => {
    const space = { settings: "drawn", profiles: PROFILES, messageFeatures: false } as const;
    const inputs = fc
      .sample(validScenarioArbitrary(space), { seed: 43, numRuns: 200 })
      .filter((input) => (input.consumers as { publishTo?: unknown }[]).some((c) => c.publishTo !== undefined))
      .slice(0, 60);
    expect(inputs.length).toBeGreaterThan(30);
    const { retiring, retired } = generatedSameRetiringOrNot(inputs);
    // Stage writes, broker crashes and patterns keep every row (mayRetire); the rest retire.
    expect(retiring).toBeGreaterThan(10);
    expect(retired).toBeGreaterThan(8);
  });

  it.each(["video-pipeline", "kafka-to-sqs-pipeline"])(
    "%s (shipped; fan-out and gather, or a second broker, with crashes): the same report either way, and it retires",
    async (name) => {
      const loaded = loadScenarioFile(join(import.meta.dirname, "..", "..", "scenarios", `${name}.yaml`));
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
      expect(mayRetire(loaded.scenario)).toBe(true);
      const forced = await reportOf(loaded.scenario, { every: 1, rows: 16 });
      expect(Object.keys(forced)).toContain("index.html");
      expect(forced).toEqual(await reportOf(loaded.scenario, "off"));
    },
  );

  it("a stage losing messages downstream: the same report, counter-example lineage included, either way", async () => {
    // autoAck: a crashed stage loses what it had received; the delivery check's counter-example is an onward
    // message, whose lineage the report replays.
    const scenario = parsed(
      scenarioInput({
        seed: 5,
        duration: "3s",
        broker: { profile: "rabbitmq", settings: { autoAck: true } },
        network: { latency: { dist: "exponential", mean: "300us" } },
        producers: [{ name: "load", rate: "300/s" }],
        consumers: [
          { group: "a", instances: 2, processing: "1ms", publishTo: { group: "b", count: 2 } },
          { group: "b", instances: 2, processing: { dist: "exponential", mean: "3ms" }, publishTo: "c" },
          { group: "c", processing: "1ms", gather: { parts: 2, timeout: "100ms" } },
        ],
        faults: [{ at: "1500ms", crash: "consumer", target: "b/1", restartAfter: "200ms" }],
        expect: { delivery: "at-least-once" },
      }),
    );
    expect(mayRetire(scenario)).toBe(true);
    const forced = await reportOf(scenario, { every: 1, rows: 16 });
    expect(Object.keys(forced)).toContain("lineage.json");
    expect(forced).toEqual(await reportOf(scenario, "off"));
  });

  it("stage writes (dual write, outbox relay) with crashes and partitions (lost publishes and confirms): the same summary", () => {
    const runs = fc.sample(stageWritesRun, { seed: 47, numRuns: 80 });
    const retired = sameRetiringOrNot(runs, stageWritesScenario);
    // A relay's rows wait for its poll, its batch for confirms (a lost one until the confirm timeout), and a resent
    // row is on its way until answered: each pins the watermark a while, so most runs, not all, retire.
    expect(retired).toBeGreaterThan(0.7 * runs.length);
  });
});

/** A chain a → b whose stage a commits its onward messages with `writes:`; crashes of a's instance, and loss. */
const stageWritesRun = fc.record({
  profile: fc.constantFrom(...PROFILES),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  instances: fc.integer({ min: 1, max: 2 }),
  latencyUs: fc.constantFrom(0, 300, 3000),
  mode: fc.constantFrom("outbox", "dual-write"),
  pollMs: fc.constantFrom(5, 50),
  batchSize: fc.constantFrom(1, 10, 100),
  commitMs: fc.constantFrom(1, 10),
  idempotency: fc.constantFrom("none", "dedup-store", "transactional"),
  crash: fc.option(
    fc.record({
      at: fc.integer({ min: 100, max: 1900 }),
      point: fc.constantFrom("now", "after-side-effect", "before-ack"),
    }),
    { nil: undefined },
  ),
  /** A partition between the broker and stage a's first instance: its publishes and the confirms back are lost. */
  partitionAt: fc.option(fc.integer({ min: 0, max: 1500 }), { nil: undefined }),
});
type StageWritesRun = typeof stageWritesRun extends fc.Arbitrary<infer T> ? T : never;

function stageWritesScenario(run: StageWritesRun): ParsedScenario {
  const processing = { dist: "exponential", mean: "2ms" };
  const idempotency = run.idempotency === "none" ? {} : { idempotency: { strategy: run.idempotency } };
  const relay = run.mode === "outbox" ? { relay: { pollInterval: `${run.pollMs}ms`, batchSize: run.batchSize } } : {};
  const writes = { mode: run.mode, commit: { dist: "exponential", mean: `${run.commitMs}ms` }, ...relay };
  const faults: Record<string, unknown>[] = [];
  if (run.crash !== undefined) {
    const point = run.crash.point === "now" ? {} : { point: run.crash.point };
    faults.push({ at: `${run.crash.at}ms`, crash: "consumer", target: "a/1", ...point, restartAfter: "200ms" });
  }
  if (run.partitionAt !== undefined) {
    faults.push({ at: `${run.partitionAt}ms`, for: "300ms", partition: { between: ["broker", "a/1"] } });
  }
  return parsed(
    scenarioInput({
      ...twoSecondRun(run, 200),
      consumers: [
        { group: "a", instances: run.instances, processing, ...idempotency, publishTo: "b", writes },
        { group: "b", instances: run.instances, processing, ...idempotency },
      ],
      faults,
    }),
  );
}

describe("memory bounded by what is in flight, with stages", () => {
  // Each stage is an M/M/4 at 45% load (1 ms exponential service): a flow takes a few ms, so the oldest root
  // still in flight, which the watermark waits for, is a few hundred messages back.
  const stage = { instances: 4, processing: { dist: "exponential", mean: "1ms" } };
  const shapes: Record<string, { rate: string; consumers: Record<string, unknown>[] }> = {
    "a chain of two stages": {
      rate: "1800/s",
      consumers: [
        { group: "a", ...stage, publishTo: "b" },
        { group: "b", ...stage },
      ],
    },
    "a fan-out of two parts, gathered": {
      rate: "900/s",
      consumers: [
        { group: "a", ...stage, publishTo: { group: "b", count: 2 } },
        { group: "b", ...stage, publishTo: "c" },
        { group: "c", ...stage, gather: { parts: 2, timeout: "10s" } },
      ],
    },
    "a cycle bounded by maxHops": {
      rate: "900/s",
      consumers: [
        { group: "a", ...stage, publishTo: "b" },
        { group: "b", ...stage, publishTo: "c", maxHops: 3 },
        { group: "c", ...stage, publishTo: "b" },
      ],
    },
  };
  for (const [name, shape] of Object.entries(shapes)) {
    it(`${name}: a steady run of ~200,000 messages keeps a table of at most 2^16 rows, nearly all retired`, () => {
      const scenario = parsed(
        scenarioInput({
          duration: "55s",
          broker: { profile: "rabbitmq", settings: { prefetch: 1 } },
          network: { latency: "200us" },
          producers: [{ name: "load", rate: shape.rate }],
          consumers: shape.consumers,
        }),
      );
      const keeper = new TableKeeper();
      const { summary } = runScenario(scenario, { observers: [keeper] });
      const table = keeper.table!;
      expect(summary.messages.published).toBeGreaterThan(190_000);
      expect(table.capacity).toBeLessThanOrEqual(1 << 16);
      expect(table.base).toBeGreaterThan(summary.messages.published - (1 << 16));
    });
  }
});
