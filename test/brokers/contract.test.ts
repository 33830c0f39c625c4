// The contract every broker profile must honour, at zero network latency (links are direct calls) and with lognormal latency: determinism, conservation of messages, nothing lost without faults, and stale acks ignored after crashes.
import { describe, expect, it } from "vitest";
import { profileNamed, profiles } from "../../src/brokers/profiles.js";
import { runScenario, simulate } from "../../src/index.js";
import type { RunResult } from "../../src/run/simulate.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/**
 * The two kinds of link a profile must be right on: zero latency, where a hop is a direct call and an
 * ack can arrive inside the broker's own deliver (see "Re-entrancy" in src/brokers/broker.ts), and a
 * lognormal latency, where every hop is an event.
 */
const networks: [string, Record<string, unknown> | undefined][] = [
  ["zero latency", undefined],
  ["lognormal latency", { latency: { dist: "lognormal", median: "300us", p99: "3ms" } }],
];

describe.each(networks)("with %s", (_, network) => {
  function workload(profile: string, extra: Record<string, unknown> = {}) {
    return scenarioInput({
      duration: "20s",
      drainTimeout: "10m",
      broker: { profile },
      ...(network === undefined ? {} : { network }),
      producers: [{ name: "orders", instances: 2, rate: "100/s", keys: { count: 50, dist: "zipf", s: 1.1 } }],
      consumers: [
        { group: "billing", instances: 3, processing: { dist: "exponential", mean: "5ms" } },
        { group: "audit", processing: "1ms" },
      ],
      ...extra,
    });
  }

  /** Every (message, group) pair ends in exactly one place. */
  function expectConservation(result: RunResult) {
    const c = result.counts;
    const groups = result.scenario.consumers.length;
    expect(c.unexpected).toBe(0);
    expect(c.consumed + c.lost + c.pending + c.deadLettered + c.unknown).toBe((c.published - c.rejected) * groups);
  }

  /** A profile's stated promises (its descriptor's facts), which the cases below hold it to. */
  const factsOf = (name: string) => profileNamed(name).facts;

  describe.each(profiles.map((p) => p.name))("profile %s", (profile) => {
    it("is deterministic: same scenario and seed, same summary bytes", () => {
      const input = workload(profile, {
        faults: [{ at: "5s", crash: "consumer", target: "billing/1", restartAfter: "3s" }],
      });
      const first = JSON.stringify(runScenario(parsed(input)).summary);
      expect(JSON.stringify(runScenario(parsed(input)).summary)).toBe(first);
    });

    it("loses nothing and leaves nothing pending when nothing fails", () => {
      const result = simulate(parsed(workload(profile)));
      expect(result.counts.published).toBeGreaterThan(3000);
      expect(result.counts.lost).toBe(0);
      expect(result.counts.pending).toBe(0);
      expect(result.counts.consumed).toBe(result.counts.published * 2);
      expectConservation(result);
    });

    it("conserves messages through consumer crashes at every point of the cycle", () => {
      for (const point of ["now", "after-receive", "after-side-effect", "after-dedup-record", "before-ack"]) {
        const result = simulate(
          parsed(
            workload(profile, {
              consumers: [
                {
                  group: "billing",
                  instances: 3,
                  processing: { dist: "exponential", mean: "5ms" },
                  idempotency: { strategy: "dedup-store" },
                },
                { group: "audit", processing: "1ms" },
              ],
              faults: [
                { at: "5s", crash: "consumer", target: "billing/1", restartAfter: "2s", point },
                {
                  every: { dist: "exponential", mean: "4s" },
                  crash: "consumer",
                  target: "audit/*",
                  restartAfter: "500ms",
                },
              ],
            }),
          ),
        );
        expectConservation(result);
        expect(result.faults.some((f) => f.kind === "consumer-crash")).toBe(true);
      }
    });

    it("conserves messages through clean stops, drained in time or killed at the end of the grace period", () => {
      for (const gracePeriod of ["30s", "2ms"]) {
        const result = simulate(
          parsed(
            workload(profile, {
              faults: [
                { at: "5s", stop: "consumer", target: "billing/1", restartAfter: "2s", gracePeriod },
                { at: "9s", stop: "consumer", target: "billing", restartAfter: "1s", gracePeriod },
                {
                  every: { dist: "exponential", mean: "4s" },
                  stop: "consumer",
                  target: "audit/*",
                  restartAfter: "500ms",
                },
              ],
            }),
          ),
        );
        expectConservation(result);
        const stops = result.faults.filter((f) => f.kind === "consumer-stop");
        expect(stops.length).toBeGreaterThan(4);
        // Drained in time, a stop repeats nothing, and loses only where the broker keeps no copy of what it sent.
        if (gracePeriod === "30s") {
          expect(stops.every((f) => f.effects.killed === 0)).toBe(true);
          // Pub/sub hands every message to every subscriber of a group, so it counts repeats without any fault.
          if (!factsOf(profile).everyConsumerGetsAll) expect(result.counts.duplicated).toBe(0);
          if (factsOf(profile).keepsSent === "until-settled") expect(result.counts.lost).toBe(0);
        }
      }
    });

    it("conserves messages through a broker crash", () => {
      const result = simulate(
        parsed(workload(profile, { faults: [{ at: "7s", crash: "broker", restartAfter: "2s" }] })),
      );
      expectConservation(result);
      expect(result.faults.map((f) => f.kind)).toEqual(["broker-crash"]);
    });

    it("conserves messages through a network partition between the broker and a consumer group", () => {
      const result = simulate(
        parsed(workload(profile, { faults: [{ at: "5s", for: "3s", partition: { between: ["broker", "billing"] } }] })),
      );
      expectConservation(result);
      expect(result.faults.map((f) => f.kind)).toEqual(["partition"]);
    });

    it("conserves messages and stays deterministic with retries, a breaker and a rate limit, through a dependency outage and crashes", () => {
      const input = workload(profile, {
        dependencies: {
          payments: {
            latency: { dist: "exponential", mean: "3ms" },
            concurrency: 8,
            timeout: "50ms",
            errors: { transient: 0.05 },
          },
        },
        consumers: [
          {
            group: "billing",
            // Where every instance gets every message (pub/sub), one instance's copy may be dead-lettered and
            // another's consumed: both real, but a pair can be classified once only.
            instances: factsOf(profile).everyConsumerGetsAll ? 1 : 3,
            idempotency: { strategy: "dedup-store" },
            steps: [{ work: { dist: "exponential", mean: "1ms" } }, { call: "payments", sideEffect: true }],
            retry: { maxAttempts: 4, backoff: { type: "exponential", base: "20ms", jitter: "full" } },
            breakers: { payments: { consecutiveFailures: 10, openFor: "500ms", halfOpenCalls: 2 } },
            rateLimit: { type: "token-bucket", rate: "300/s", burst: 20 },
            // A profile that models a DLQ redrive moves the outage's dead-letters back once it is over.
            ...(profileNamed(profile).redrive === undefined ? {} : { redrive: [{ at: "10s", rate: "200/s" }] }),
          },
          { group: "audit", processing: "1ms" },
        ],
        faults: [
          { at: "5s", for: "3s", outage: { dependency: "payments" } },
          { at: "6s", crash: "consumer", target: "billing/1", restartAfter: "2s", point: "after-receive" },
          { at: "12s", for: "2s", slowdown: { dependency: "payments", factor: 30 } },
        ],
      });
      const result = simulate(parsed(input));
      expectConservation(result);
      // How hard the outage bites depends on the profile's dispatch (one Kafka partition feeds one instance);
      // that the policy ran, and that its dead-letters are among the run's, holds for every profile.
      const retries = result.patterns!.retries.billing!;
      expect(retries.retries).toBeGreaterThan(0);
      expect(retries.processed).toBeGreaterThan(0);
      // Dead-lettered at the end: those the policy sent there, less those a redrive moved back.
      expect(result.counts.deadLettered).toBeGreaterThanOrEqual(
        retries.deadLettered - (retries.redrive?.redriven ?? 0),
      );
      if (profileNamed(profile).redrive !== undefined) expect(retries.redrive!.redriven).toBeGreaterThan(0);
      const first = JSON.stringify(runScenario(parsed(input)).summary);
      expect(JSON.stringify(runScenario(parsed(input)).summary)).toBe(first);
    });

    it("conserves messages when deliveries are duplicated on the wire", () => {
      const result = simulate(
        parsed(workload(profile, { faults: [{ at: "2s", for: "10s", duplicate: { probability: 0.2 } }] })),
      );
      expectConservation(result);
      expect(result.counts.duplicated).toBeGreaterThan(0);
      expect(result.counts.lost).toBe(0);
    });
  });

  const ordered = profiles.filter((p) => p.facts.ordering !== "none").map((p) => p.name);

  describe.each(ordered)("profile %s", (profile) => {
    const order = factsOf(profile).ordering;
    it(`keeps its ordering promise (${order}) with one consumer per group and no faults`, () => {
      const result = simulate(
        parsed(
          workload(profile, {
            consumers: [
              { group: "billing", processing: { dist: "exponential", mean: "2ms" } },
              { group: "audit", processing: "1ms" },
            ],
            expect: { ordering: order },
          }),
        ),
      );
      expect(result.counts.consumed).toBe(result.counts.published * 2);
      expect(result.outOfOrder).toBe(0);
    });
  });

  /** The RabbitMQ profiles again as priority queues, with a bounded prefetch so priorities reorder a backlog; BullMQ with job priorities. */
  const rabbitmqLimits = { "x-message-ttl": "2s", "x-max-length": 100 };
  /** Each variant: its settings, and settings that make it drop messages (TTL, length), or null when it has none. */
  const priorityVariants: [string, Record<string, unknown>, Record<string, unknown> | null][] = [
    ["rabbitmq", { prefetch: 5, "x-max-priority": 5 }, rabbitmqLimits],
    ["rabbitmq-quorum", { prefetch: 5 }, rabbitmqLimits],
    ["bullmq", { priority: "from-message" }, null],
  ];

  it("runs the priority cases on every profile whose facts say it has priorities", () => {
    const withPriorities = profiles.filter((p) => p.facts.priorities).map((p) => p.name);
    expect(priorityVariants.map(([name]) => name)).toEqual(withPriorities);
  });

  describe.each(priorityVariants)("profile %s with message priorities", (profile, settings, dropping) => {
    const prioritized = (extra: Record<string, unknown> = {}, more: Record<string, unknown> = {}) =>
      workload(profile, {
        broker: { profile, settings: { ...settings, ...more } },
        producers: [
          {
            name: "orders",
            instances: 2,
            rate: "100/s",
            keys: { count: 50, dist: "zipf", s: 1.1 },
            priority: { weights: { 0: 80, 5: 10, 9: 10 } },
          },
        ],
        ...extra,
      });

    it("is deterministic and loses nothing when nothing fails", () => {
      const first = runScenario(parsed(prioritized()));
      expect(JSON.stringify(runScenario(parsed(prioritized())).summary)).toBe(JSON.stringify(first.summary));
      expect(first.result.counts.lost + first.result.counts.pending).toBe(0);
      expect(first.result.counts.consumed).toBe(first.result.counts.published * 2);
      expect(Object.keys(first.summary.latency.byPriority ?? {})).toEqual(["0", "5", "9"]);
    });

    it("conserves messages through consumer and broker crashes, TTL expiry and drop-head overflow", () => {
      const faults = [
        { at: "5s", crash: "consumer", target: "billing/1", restartAfter: "2s", point: "after-side-effect" },
        { at: "12s", crash: "broker", restartAfter: "2s" },
      ];
      expectConservation(simulate(parsed(prioritized({ faults }))));
      if (dropping === null) return;
      const slow = {
        consumers: [
          { group: "billing", processing: "15ms" },
          { group: "audit", processing: "1ms" },
        ],
      };
      const limited = simulate(parsed(prioritized(slow, dropping)));
      expectConservation(limited);
      expect(limited.counts.dropped).toBeGreaterThan(0);
    });
  });

  /**
   * The SQS profiles again with a visibility heartbeat, on a VisibilityTimeout short enough (50 ms) that many jobs
   * outlive it: only the heartbeats keep them from being received twice.
   */
  const heartbeat = { VisibilityTimeout: "50ms", visibilityHeartbeat: { every: "20ms", extendTo: "50ms" } };
  const heartbeatVariants: [string, Record<string, unknown>][] = [
    ["sqs", { ...heartbeat, duplicateProbability: 0 }],
    ["sqs-fifo", heartbeat],
  ];

  describe.each(heartbeatVariants)("profile %s with a visibility heartbeat", (profile, settings) => {
    const consumers = [
      { group: "billing", instances: 3, processing: { dist: "lognormal", median: "5ms", p99: "120ms" } },
      { group: "audit", processing: "1ms" },
    ];
    const beating = (extra: Record<string, unknown> = {}, more: Record<string, unknown> = {}) =>
      workload(profile, { broker: { profile, settings: { ...settings, ...more } }, consumers, ...extra });

    it("is deterministic, and without faults duplicates nothing that outlives the VisibilityTimeout", () => {
      const first = runScenario(parsed(beating()));
      expect(JSON.stringify(runScenario(parsed(beating())).summary)).toBe(JSON.stringify(first.summary));
      expect(first.result.counts).toMatchObject({ lost: 0, pending: 0, duplicated: 0 });
      expect(first.result.counts.consumed).toBe(first.result.counts.published * 2);
      // The same jobs without the heartbeat overrun the 50 ms timeout and are received twice.
      const plain = simulate(parsed(beating({}, { visibilityHeartbeat: null })));
      expect(plain.counts.duplicated).toBeGreaterThan(0);
    });

    it("conserves messages through consumer crashes, a broker crash and a partition", () => {
      const faults = [
        { at: "3s", crash: "consumer", target: "billing/1", restartAfter: "2s", point: "after-side-effect" },
        { at: "6s", crash: "consumer", target: "billing/2", restartAfter: "1s" },
        { at: "9s", crash: "broker", restartAfter: "2s" },
        { at: "13s", for: "3s", partition: { between: ["broker", "billing/3"] } },
      ];
      const result = simulate(parsed(beating({ faults })));
      expectConservation(result);
      expect(result.counts.lost).toBe(0);
    });
  });

  /**
   * The RabbitMQ profiles again behind a topic exchange: billing gets every created order, audit everything under
   * orders.eu, and refunds match no binding (unroutable, so lost for both groups though confirmed).
   */
  const routed = profiles.filter((p) => p.facts.routing).map((p) => p.name);

  describe.each(routed)("profile %s with a topic exchange", (profile) => {
    const routed = (extra: Record<string, unknown> = {}) =>
      workload(profile, {
        broker: { profile, settings: { exchange: "topic", prefetch: 5 } },
        producers: [
          {
            name: "orders",
            instances: 2,
            rate: "100/s",
            keys: { count: 50, dist: "zipf", s: 1.1 },
            routingKey: {
              weights: { "orders.eu.created": 50, "orders.us.created": 30, "orders.eu.cancelled": 15, "refunds.eu": 5 },
            },
          },
        ],
        consumers: [
          {
            group: "billing",
            instances: 3,
            processing: { dist: "exponential", mean: "5ms" },
            bindings: ["orders.*.created"],
          },
          { group: "audit", processing: "1ms", bindings: ["orders.eu.#"] },
        ],
        ...extra,
      });
    /** Conservation with routing: a pair the exchange never addressed to a group is neither owed nor lost. */
    const expectRoutedConservation = (result: RunResult) => {
      const c = result.counts;
      expect(c.unexpected).toBe(0);
      expect(c.consumed + c.lost + c.pending + c.deadLettered + c.unknown + c.notRouted).toBe(
        (c.published - c.rejected) * 2,
      );
    };

    it("is deterministic, and without faults loses exactly the unroutable messages, once per group", () => {
      const first = runScenario(parsed(routed()));
      expect(JSON.stringify(runScenario(parsed(routed())).summary)).toBe(JSON.stringify(first.summary));
      const c = first.result.counts;
      expect(c.pending).toBe(0);
      expect(c.lost).toBe(c.dropped);
      expect(c.lost % 2).toBe(0);
      expect(c.lost / 2).toBeGreaterThan(0);
      expect(c.notRouted).toBeGreaterThan(0);
      expectRoutedConservation(first.result);
    });

    it("conserves messages through consumer and broker crashes", () => {
      const faults = [
        { at: "5s", crash: "consumer", target: "billing/1", restartAfter: "2s", point: "after-side-effect" },
        { every: { dist: "exponential", mean: "4s" }, crash: "consumer", target: "audit/*", restartAfter: "500ms" },
        { at: "12s", crash: "broker", restartAfter: "2s" },
      ];
      const result = simulate(parsed(routed({ faults })));
      expectRoutedConservation(result);
      expect(result.faults.map((f) => f.kind)).toContain("broker-crash");
    });
  });

  // kafka is the one profile with several nodes: the contract also holds when one node of a 3-broker cluster crashes.
  describe("profile kafka, 3-broker cluster with RF 3", () => {
    const cluster = (target: string) =>
      workload("kafka", {
        broker: {
          profile: "kafka",
          partitions: 3,
          brokers: 3,
          settings: { "default.replication.factor": 3, "broker.session.timeout.ms": 2000 },
        },
        faults: [{ at: "7s", crash: "broker", target, restartAfter: "5s" }],
      });

    it("is deterministic through a single-node crash", () => {
      const first = JSON.stringify(runScenario(parsed(cluster("broker/2"))).summary);
      expect(JSON.stringify(runScenario(parsed(cluster("broker/2"))).summary)).toBe(first);
    });

    it("conserves messages and loses nothing (acks=all) when one node crashes", () => {
      for (const target of ["broker/1", "broker/2", "broker/3"]) {
        const result = simulate(parsed(cluster(target)));
        expectConservation(result);
        expect(result.counts.lost).toBe(0);
        expect(result.faults.map((f) => f.target)).toEqual([target]);
      }
    });
  });
});
