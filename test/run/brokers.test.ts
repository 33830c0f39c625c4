// Proves a second broker (brokers:) routes a stage's messages to the broker its target lives on, with that broker's own semantics and faults, deterministically, and that bad placements are refused.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { profiles } from "../../src/brokers/profiles.js";
import {
  clockViolations,
  conservationViolations,
  nonNegativeViolations,
  RunWatcher,
} from "../../src/explore/invariants.js";
import { runScenario, simulate } from "../../src/index.js";
import { isPatternMetric, metricsOf } from "../../src/parallel/tasks.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, refusedIssues, runRefusedFile, scenarioInput } from "../helpers/scenario.js";

/** orders (on the main broker) forwards each message to billing, which lives on `billing-side`. */
function twoBrokers(main: Record<string, unknown>, side: Record<string, unknown>, overrides = {}, billing = {}) {
  return scenarioInput({
    duration: "10s",
    broker: main,
    brokers: { "billing-side": side },
    producers: [{ name: "shop", rate: "50/s", limit: 100 }],
    consumers: [
      { group: "orders", processing: "1ms", publishTo: "billing" },
      { group: "billing", broker: "billing-side", instances: 2, processing: "2ms", ...billing },
    ],
    ...overrides,
  });
}

describe("a second broker", () => {
  const routing = profiles.filter((p) => p.routesStages === true).map((p) => p.name);
  const latencies = { zero: 0, lognormal: { dist: "lognormal", median: "300us", p99: "3ms" } };
  it.each(
    ["fifo", "kafka"].flatMap((main) =>
      routing.flatMap((side) => Object.keys(latencies).map((latency) => [main, side, latency])),
    ),
  )(
    "%s → %s at %s latency: the onward messages land on the second broker, and each broker holds only its own",
    (main, side, latency) => {
      const network = { latency: latencies[latency as keyof typeof latencies] };
      const { summary } = runScenario(parsed(twoBrokers({ profile: main }, { profile: side }, { network })));
      expect(summary.stages?.orders).toMatchObject({ received: 100, consumed: 100, publishedOnward: 100, lost: 0 });
      expect(summary.stages?.billing).toMatchObject({ received: 100, consumed: 100, lost: 0, pending: 0 });
      expect(summary.brokers?.main).toMatchObject({ profile: main, accepted: 100, deliveries: 100, consumed: 100 });
      expect(summary.brokers?.["billing-side"]).toMatchObject({ profile: side, accepted: 100, deliveries: 100 });
      expect(summary.endToEnd).toMatchObject({ roots: 100, completed: 100 });
    },
  );

  /** billing's one redelivery: when it came, when that message was first delivered, and when billing/1 crashed. */
  function redeliveryAfterCrash(input: Record<string, unknown>) {
    const log = new EventLog();
    const result = simulate(parsed(input), { observers: [log] });
    const billing = log.lines.filter((line) => / g1 /.test(line) && line.includes(" delivered "));
    const again = billing.filter((line) => line.includes(" attempt 2"));
    expect(again).toHaveLength(1);
    const message = / (m\d+) /.exec(again[0]!)![1]!;
    const first = billing.find((line) => line.includes(` ${message} `))!;
    const at = (line: string) => Number(/^t=(\d+)/.exec(line)![1]);
    return { again: at(again[0]!), first: at(first), crash: result.faults[0]!.start };
  }

  it("a crash on the second broker's side redelivers by that broker's rules: SQS after its visibility timeout, fifo on detection", () => {
    const crash = {
      faults: [{ at: "2s", crash: "consumer", target: "billing/1", point: "before-ack", restartAfter: "1s" }],
    };
    const billing = { instances: 2 };
    const producers = { producers: [{ name: "shop", rate: "50/s" }] };
    const sqs = { profile: "sqs", settings: { VisibilityTimeout: 5 } };
    const onSqs = redeliveryAfterCrash(twoBrokers({ profile: "fifo" }, sqs, { ...crash, ...producers }, billing));
    // SQS: the message stays invisible for VisibilityTimeout from its receive, whatever happened to the consumer.
    expect(onSqs.again - onSqs.first).toBeGreaterThanOrEqual(5_000_000);
    expect(onSqs.again - onSqs.first).toBeLessThan(5_100_000);
    const fifo = { profile: "fifo", settings: { crashDetection: "500ms" } };
    const onFifo = redeliveryAfterCrash(twoBrokers({ profile: "kafka" }, fifo, { ...crash, ...producers }, billing));
    // fifo: the broker takes it back when it notices the crash, crashDetection after it.
    expect(onFifo.again - onFifo.crash).toBeGreaterThanOrEqual(500_000);
    expect(onFifo.again - onFifo.crash).toBeLessThan(600_000);
  });

  it("a broker crash names its broker: a non-durable second broker loses what it held, and the main one nothing", () => {
    const fault = (broker?: string) => ({
      faults: [{ at: "1s", crash: "broker", restartAfter: "1s", ...(broker ? { broker } : {}) }],
    });
    const slowBilling = { processing: "100ms", instances: 1 };
    const side = { profile: "fifo", settings: { durable: false } };
    const main = { profile: "fifo", settings: { durable: false } };
    const there = runScenario(parsed(twoBrokers(main, side, fault("billing-side"), slowBilling))).summary;
    expect(there.faults.map((f) => f.target)).toEqual(["billing-side"]);
    expect(there.brokers?.["billing-side"]?.dropped).toBeGreaterThan(0);
    expect(there.brokers?.main?.dropped).toBe(0);
    expect(there.stages?.orders?.lost).toBe(0);
    // The default is the main broker, named `broker` as before: billing's queue on the other broker is untouched.
    const here = runScenario(parsed(twoBrokers(main, side, fault(), slowBilling))).summary;
    expect(here.faults.map((f) => f.target)).toEqual(["broker"]);
    expect(here.brokers?.["billing-side"]?.dropped).toBe(0);
  });

  it("a stage writing through an outbox hears the second broker's answers: its relay marks what that broker took and publishes again what its crash refused", () => {
    const outbox = { writes: { mode: "outbox", commit: "1ms", relay: { pollInterval: "20ms", batchSize: 10 } } };
    const crash = { faults: [{ at: "1s", crash: "broker", broker: "billing-side", restartAfter: "500ms" }] };
    const input = twoBrokers({ profile: "fifo" }, { profile: "sqs" }, crash);
    const orders = (input.consumers as Record<string, unknown>[])[0]!;
    Object.assign(orders, outbox);
    const { summary } = runScenario(parsed(input));
    expect(summary.faults.map((f) => f.target)).toEqual(["billing-side"]);
    expect(summary.brokers?.["billing-side"]?.rejected).toBeGreaterThan(0);
    expect(summary.outbox?.orders).toMatchObject({ committed: 100, unpublished: 0 });
    expect(summary.endToEnd).toMatchObject({ roots: 100, completed: 100 });
    expect(summary.stages?.billing).toMatchObject({ consumed: 100, lost: 0, pending: 0 });
  });

  it("many-run commands get each broker's figures as metrics named by their summary.json path", () => {
    const run = runScenario(parsed(twoBrokers({ profile: "kafka" }, { profile: "sqs" })));
    const metrics = metricsOf(run);
    expect(metrics["brokers.billing-side.deliveries"]).toBe(run.summary.brokers?.["billing-side"]?.deliveries);
    expect(metrics["brokers.main.accepted"]).toBe(100);
    expect(isPatternMetric("brokers.billing-side.maxDepth")).toBe(true);
    const oneBroker = runScenario(parsed(scenarioInput()));
    expect(Object.keys(metricsOf(oneBroker)).filter((name) => name.startsWith("brokers."))).toEqual([]);
  });

  it("a stage's sends to an SQS FIFO broker meet its quota: throttled sends, retried by the SDK, are overtaken unless in high-throughput mode", () => {
    // Kafka's group forms after 3 s and orders forwards the backlog at once: far above 300 SendMessage calls per second.
    const input = (settings: Record<string, unknown>) =>
      scenarioInput({
        duration: "20s",
        broker: { profile: "kafka", partitions: 3 },
        brokers: { side: { profile: "sqs-fifo", settings } },
        producers: [{ name: "shop", rate: "100/s", keys: { count: 20 } }],
        consumers: [
          { group: "orders", processing: "1ms", publishTo: "billing" },
          { group: "billing", broker: "side", instances: 3, processing: { dist: "exponential", mean: "10ms" } },
        ],
        expect: { ordering: "per-key" },
      });
    const perQueue = runScenario(parsed(input({}))).summary;
    expect(perQueue.messages.outOfOrder).toBeGreaterThan(0);
    expect(perQueue.messages.lost).toBe(0);
    const highThroughput = { FifoThroughputLimit: "perMessageGroupId", DeduplicationScope: "messageGroup" };
    const fast = runScenario(parsed(input(highThroughput))).summary;
    expect(fast.messages.outOfOrder).toBe(0);
    expect(fast.passed).toBe(true);
  });

  it("a round trip Kafka → SQS → Kafka: a stage on the second broker publishes back to a group on the main one", () => {
    const input = scenarioInput({
      broker: { profile: "kafka", partitions: 2 },
      brokers: { side: { profile: "sqs" } },
      producers: [{ name: "shop", rate: "50/s", limit: 200 }],
      consumers: [
        { group: "orders", processing: "1ms", publishTo: "billing" },
        { group: "billing", processing: "2ms", broker: "side", publishTo: { group: "email", count: 2 } },
        { group: "email", processing: "1ms" },
      ],
    });
    const { summary } = runScenario(parsed(input));
    expect(summary.stages?.email).toMatchObject({ received: 400, consumed: 400, lost: 0 });
    expect(summary.brokers?.main).toMatchObject({ accepted: 600, deliveries: 600 });
    expect(summary.brokers?.side).toMatchObject({ accepted: 200, deliveries: 200 });
    expect(summary.endToEnd).toMatchObject({ roots: 200, completed: 200 });
  });

  it("what the second broker still holds at the end is pending, not lost: the settlement asks every broker", () => {
    const input = twoBrokers(
      { profile: "fifo" },
      { profile: "sqs" },
      { drainTimeout: "1s" },
      { instances: 1, processing: "500ms" },
    );
    const { summary } = runScenario(parsed(input));
    expect(summary.stages?.billing?.pending).toBeGreaterThan(50);
    expect(summary.stages?.billing?.lost).toBe(0);
    expect(summary.brokers?.["billing-side"]?.pending).toBe(summary.stages?.billing?.pending);
  });

  it("is deterministic, and the second broker draws from streams of its own: the producers' arrivals do not move", () => {
    const input = twoBrokers({ profile: "kafka" }, { profile: "sqs" }, { producers: [{ name: "shop", rate: "50/s" }] });
    const first = JSON.stringify(runScenario(parsed(input)).summary);
    expect(JSON.stringify(runScenario(parsed(input)).summary)).toBe(first);
    const oneBroker = scenarioInput({
      ...input,
      brokers: undefined,
      consumers: [
        { group: "orders", processing: "1ms", publishTo: "billing" },
        { group: "billing", instances: 2, processing: "2ms" },
      ],
    });
    delete oneBroker.brokers;
    const single = runScenario(parsed(oneBroker)).summary;
    expect(JSON.parse(first).stages.orders.received).toBe(single.stages?.orders?.received);
  });
});

describe("a second broker under generated faults", () => {
  const routing = profiles.filter((p) => p.routesStages === true).map((p) => p.name);
  const fault = fc.oneof(
    fc.record({
      at: fc.integer({ min: 100, max: 3000 }).map((ms) => `${ms}ms`),
      crash: fc.constant("consumer"),
      target: fc.constantFrom("orders/1", "billing/1", "billing/2"),
      point: fc.constantFrom("now", "after-receive", "after-side-effect", "before-ack"),
      restartAfter: fc.constantFrom("200ms", "2s"),
    }),
    fc.record({
      at: fc.integer({ min: 100, max: 3000 }).map((ms) => `${ms}ms`),
      crash: fc.constant("broker"),
      broker: fc.constantFrom("main", "billing-side"),
      restartAfter: fc.constantFrom("300ms", "1s"),
    }),
  );

  // The swarm's invariants (src/explore/invariants.ts) on two-broker runs, and the per-broker figures adding up.
  it("conserves every (message, group) pair, keeps the clock monotone, repeats itself, and its brokers' figures add up", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("fifo", "kafka", "rabbitmq", "sqs"),
        fc.constantFrom(...routing),
        fc.array(fault, { maxLength: 2 }),
        (main, side, faults) => {
          const input = twoBrokers({ profile: main }, { profile: side }, { duration: "4s", faults });
          const watcher = new RunWatcher();
          const { summary } = runScenario(parsed(input), { observers: [watcher] });
          const violations = [
            ...conservationViolations(watcher, summary, ["orders", "billing"]),
            ...nonNegativeViolations(summary),
            ...clockViolations(watcher, summary),
          ];
          expect(violations).toEqual([]);
          const brokers = Object.values(summary.brokers!);
          const total = (figure: "deliveries" | "consumed" | "lost" | "pending") =>
            brokers.reduce((sum, broker) => sum + broker[figure], 0);
          expect(total("deliveries")).toBe(summary.messages.deliveries);
          expect(total("consumed")).toBe(summary.messages.consumed);
          expect(total("lost")).toBe(summary.messages.lost);
          expect(total("pending")).toBe(summary.messages.pending);
          expect(JSON.stringify(runScenario(parsed(input)).summary)).toBe(JSON.stringify(summary));
        },
      ),
      { seed: 14, numRuns: 40 },
    );
  });
});

describe("a second broker's refusals", () => {
  const base = (consumers: string, extra = "") => `name: t
duration: 10s
broker: {profile: kafka}
brokers:
  billing-sqs: {profile: sqs}
producers:
  - {name: shop, rate: 10/s}
consumers:
${consumers}
${extra}`;
  const fed = `  - {group: orders, processing: 1ms, publishTo: billing}
  - {group: billing, processing: 1ms, broker: billing-sqs}`;

  it("names an unknown broker of a group, with a suggestion, at its line", () => {
    const issues = refusedIssues(
      base(`  - {group: orders, processing: 1ms, publishTo: billing}
  - {group: billing, processing: 1ms, broker: biling-sqs}`),
      "s.yaml",
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      path: ["consumers", 1, "broker"],
      hint: 'did you mean "billing-sqs"?',
      location: { line: 10 },
    });
    expect(issues[0]!.message).toContain("no broker called that (brokers: main, billing-sqs)");
  });

  it("names an unknown broker of a broker crash, with a suggestion", () => {
    const issues = refusedIssues(base(fed, "faults:\n  - {at: 1s, crash: broker, broker: billing-sq}"), "s.yaml");
    expect(issues).toMatchObject([{ path: ["faults", 0, "broker"], hint: 'did you mean "billing-sqs"?' }]);
  });

  it("refuses broker: on a consumer crash, which hits its target wherever it lives", () => {
    const issues = refusedIssues(
      base(fed, "faults:\n  - {at: 1s, crash: consumer, target: billing, broker: billing-sqs}"),
      "s.yaml",
    );
    expect(issues.map((i) => i.path)).toEqual([["faults", 0, "broker"]]);
  });

  it("refuses a group elsewhere that nothing feeds, and a broker nothing lives on", () => {
    const unfed = refusedIssues(
      base(`  - {group: orders, processing: 1ms}
  - {group: billing, processing: 1ms, broker: billing-sqs}`),
      "s.yaml",
    );
    expect(unfed).toHaveLength(1);
    expect(unfed[0]!.message).toContain('nothing publishes to group "billing" on broker "billing-sqs"');
    const unused = refusedIssues(base("  - {group: orders, processing: 1ms}"), "s.yaml");
    expect(unused.map((i) => i.path)).toEqual([["brokers", "billing-sqs"]]);
  });

  it("judges a group's features by its own broker: a batch of 20 is refused on SQS though the main Kafka takes it", () => {
    const issues = refusedIssues(
      base(`  - {group: orders, processing: 1ms, publishTo: billing, batch: {size: 20}}
  - {group: billing, processing: 1ms, broker: billing-sqs, batch: {size: 20}}`),
      "s.yaml",
    );
    expect(issues.map((i) => i.path)).toEqual([["consumers", 1, "batch", "size"]]);
    expect(issues[0]!.message).toContain("sqs");
  });

  it("refuses a transactional Kafka stage publishing to another broker, and a reserved or stage-less second broker", () => {
    const transactional = refusedIssues(
      base(fed).replace(
        "broker: {profile: kafka}",
        "broker: {profile: kafka, settings: {enable.auto.commit: false, commit: transactional}}",
      ),
      "s.yaml",
    );
    expect(transactional.map((i) => i.path)).toEqual([["consumers", 0, "publishTo"]]);
    const pubsub = refusedIssues(
      base(fed).replace("billing-sqs: {profile: sqs}", "billing-sqs: {profile: redis-pubsub}"),
      "s.yaml",
    );
    expect(pubsub.map((i) => i.path)).toEqual([["brokers", "billing-sqs", "profile"]]);
    const reserved = refusedIssues(base(fed).replace(/billing-sqs/g, "main"), "s.yaml");
    expect(reserved.map((i) => i.path)).toContainEqual(["brokers", "main"]);
  });

  it("counts a second broker's partitions against limits.maxPartitions", () => {
    const issues = refusedIssues(base(fed).replace("{profile: sqs}", "{profile: kafka, partitions: 20000}"), "s.yaml");
    expect(issues).toMatchObject([{ path: ["brokers", "billing-sqs", "partitions"], code: "out-of-range" }]);
    expect(issues[0]!.message).toContain("needs 20001 partitions");
  });

  it("exits 2 and writes nothing on the command line", () => {
    const run = runRefusedFile(
      base(`  - {group: orders, processing: 1ms, publishTo: billing}
  - {group: billing, processing: 1ms, broker: biling-sqs}`),
    );
    expect(run.status).toBe(2);
    expect(run.wroteReports).toBe(false);
    expect(run.stderr).toContain("bad.yaml:10:");
    expect(run.stderr).toContain('did you mean "billing-sqs"?');
    expect(run.stderr).not.toContain("    at ");
  });
});
