// Proves RabbitMQ exchanges: direct and topic routing by key to the bound groups only, unroutable messages confirmed yet lost (or returned with mandatory), and lag, checks and counts that respect what each group was sent.
import { describe, expect, it } from "vitest";
import { evaluateChecks } from "../../../src/checks/checks.js";
import { parseScenarioText, simulate, validateScenario } from "../../../src/index.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";
import { quorum, rabbit, run } from "./run.js";

/** First consumptions per group, in group order. */
function consumedPerGroup(lines: string[], groups: number): number[] {
  const counts = new Array<number>(groups).fill(0);
  for (const line of lines) {
    const [, , , group, , times] = line.split(" ");
    if (times === "x1") counts[Number(group!.slice(1))]!++;
  }
  return counts;
}

/** 1,000 messages, each with one of four keys drawn 40/30/20/10, from one producer that waits for confirms. */
const orders = {
  name: "orders",
  arrival: { process: "constant", rate: "1000/s" },
  limit: 1000,
  routingKey: {
    weights: { "orders.eu.created": 40, "orders.us.created": 30, "orders.eu.cancelled": 20, "refunds.eu": 10 },
  },
  publish: { timeout: "5s" },
};

describe("rabbitmq direct exchange", () => {
  const direct = (settings: Record<string, unknown> = {}) =>
    run({
      duration: "2s",
      // A network delay, so confirms come back as events after the producer starts waiting for them.
      network: { latency: "1ms" },
      broker: rabbit({ exchange: "direct", ...settings }),
      producers: [orders],
      consumers: [
        { group: "eu", processing: "100us", bindings: ["orders.eu.created", "orders.eu.cancelled"] },
        { group: "created", processing: "100us", bindings: ["orders.eu.created", "orders.us.created"] },
        // Bound twice by the same key: still one copy per message.
        { group: "us", processing: "100us", bindings: ["orders.us.created", "orders.us.created"] },
      ],
    });

  it("sends each key to exactly the groups bound to it, one copy each", () => {
    const { result, log } = direct();
    const byKey = { euCreated: 385, usCreated: 304, euCancelled: 205, refunds: 106 };
    expect(byKey.euCreated + byKey.usCreated + byKey.euCancelled + byKey.refunds).toBe(1000);
    expect(consumedPerGroup(log.matching("consumed"), 3)).toEqual([
      byKey.euCreated + byKey.euCancelled,
      byKey.euCreated + byKey.usCreated,
      byKey.usCreated,
    ]);
    expect(result.counts).toMatchObject({ published: 1000, accepted: 1000, consumed: 1583, duplicated: 0 });
  });

  it("confirms the unroutable messages and loses them for every group: the producer never hears of it", () => {
    const { result, log } = direct();
    const unroutable = 106;
    expect(log.matching("dropped").filter((line) => line.endsWith(" unroutable")).length).toBe(3 * unroutable);
    // The producer saw a confirm for every message: none is unknown to it, and the unroutable ones count as lost.
    expect(result.counts).toMatchObject({ rejected: 0, unknown: 0, recovered: 0, pending: 0 });
    expect(result.counts).toMatchObject({ dropped: 3 * unroutable, lost: 3 * unroutable });
    // Every other (message, group) pair is either consumed or was never addressed to the group.
    expect(result.counts.notRouted).toBe(3 * 1000 - 1583 - 3 * unroutable);
  });

  it("with mandatory returns the unroutable messages to the producer instead: refused, not lost", () => {
    const { result, log } = direct({ mandatory: true });
    expect(log.matching("rejected").length).toBe(106);
    expect(result.counts).toMatchObject({ accepted: 894, rejected: 106, consumed: 1583, dropped: 0, lost: 0 });
  });
});

describe("rabbitmq topic exchange", () => {
  it("routes by pattern: billing gets orders.*.created, eu-audit everything under orders.eu", () => {
    for (const broker of [rabbit({ exchange: "topic" }), quorum({ exchange: "topic" })]) {
      const { result, log } = run({
        duration: "2s",
        broker,
        producers: [orders],
        consumers: [
          { group: "billing", processing: "100us", bindings: ["orders.*.created"] },
          { group: "eu-audit", processing: "100us", bindings: ["orders.eu.#"] },
          { group: "everything", processing: "100us", bindings: ["#"] },
        ],
      });
      expect(consumedPerGroup(log.matching("consumed"), 3)).toEqual([385 + 304, 385 + 205, 1000]);
      expect(result.counts).toMatchObject({ lost: 0, dropped: 0, pending: 0, notRouted: 106 + 205 + 304 + 106 });
    }
  });
});

describe("rabbitmq routing: what each group expects", () => {
  /** 50 messages keyed "a" and 50 keyed "b" in the first 0.5 s, to two one-second consumers: the backlog is all lag. */
  const halves = (expect: Record<string, unknown> = {}) =>
    parsed(
      scenarioInput({
        duration: "1s",
        drainTimeout: "10min",
        broker: rabbit({ exchange: "direct", prefetch: 1 }),
        producers: [
          { name: "pa", arrival: { process: "constant", rate: "100/s" }, limit: 50, routingKey: "a" },
          { name: "pb", arrival: { process: "constant", rate: "100/s" }, limit: 50, routingKey: "b" },
        ],
        consumers: [
          { group: "ga", processing: "1s", bindings: ["a"] },
          { group: "gb", processing: "1s", bindings: ["b"] },
        ],
        expect,
      }),
    );

  it("counts lag only over the messages routed to the group", () => {
    const result = simulate(halves(), { series: 100_000 });
    // Each group owes 50 messages, none consumed before the last is published; fanout would make it 100.
    expect(result.maxLag).toBe(50);
    const lags = result.series!.points.map((point) => point.lag);
    expect(Math.max(...lags.map((lag) => lag[0]!))).toBe(50);
    expect(Math.max(...lags.map((lag) => lag[1]!))).toBe(50);
    expect(lags.at(-1)).toEqual([0, 0]);
  });

  it("passes the delivery check: every group got all it was sent, none of the rest is lost or pending", () => {
    const result = simulate(halves({ delivery: "exactly-once" }));
    expect(result.counts).toMatchObject({ consumed: 100, lost: 0, pending: 0, duplicated: 0, notRouted: 100 });
    expect(evaluateChecks(result).map((check) => [check.name, check.passed])).toEqual([
      ["delivery: exactly-once", true],
    ]);
  });

  it("fails the delivery check with the unroutable loss, naming a message nobody was bound for", () => {
    const input = halves({ delivery: "at-least-once" });
    const typo = {
      ...input,
      consumers: input.consumers.map((c) => (c.group === "gb" ? { ...c, bindings: ["bb"] } : c)),
    };
    const result = simulate(typo);
    expect(result.counts).toMatchObject({ consumed: 50, lost: 100, notRouted: 50 });
    const [check] = evaluateChecks(result);
    expect(check).toMatchObject({ name: "delivery: at-least-once", passed: false, counterExample: { message: 1 } });
  });
});

describe("routing keys and bindings elsewhere", () => {
  const keyed = (broker: Record<string, unknown>, routingKey?: unknown) =>
    scenarioInput({
      duration: "2s",
      broker,
      producers: [{ name: "p", rate: "200/s", ...(routingKey === undefined ? {} : { routingKey }) }],
      consumers: [
        { group: "g1", processing: "1ms", bindings: ["x.y"] },
        { group: "g2", processing: "1ms" },
      ],
    });

  it("a fanout exchange ignores keys and bindings, and drawing keys changes no other draw", () => {
    const plain = simulate(parsed(keyed(rabbit())));
    const withKeys = simulate(parsed(keyed(rabbit(), { weights: { "x.y": 1, "z.w": 1 } })));
    expect(withKeys.counts).toEqual(plain.counts);
    expect(withKeys.endToEnd).toEqual(plain.endToEnd);
    expect(plain.counts).toMatchObject({ published: 410, consumed: 820, notRouted: 0 });
  });

  it("other profiles accept them and ignore them: every group gets every message", () => {
    for (const profile of ["fifo", "kafka", "sqs", "redis-streams"]) {
      const result = simulate(parsed(keyed({ profile }, { weights: { "x.y": 1, "z.w": 1 } })));
      expect(result.counts.consumed).toBe(result.counts.published * 2);
      expect(result.counts.notRouted).toBe(0);
    }
  });
});

describe("routing settings and fields", () => {
  const issuesOf = (input: Record<string, unknown>) => {
    const result = validateScenario(input);
    return result.ok ? [] : result.issues;
  };

  it("default to a fanout exchange without mandatory", () => {
    expect(parsed(scenarioInput({ broker: { profile: "rabbitmq" } })).broker.settings).toMatchObject({
      exchange: "fanout",
      mandatory: false,
    });
  });

  it("refuse a direct or topic exchange with a group that has no bindings, naming the group", () => {
    const input = scenarioInput({
      broker: rabbit({ exchange: "topic" }),
      consumers: [
        { group: "billing", processing: "1ms", bindings: ["orders.#"] },
        { group: "audit", processing: "1ms" },
      ],
    });
    expect(issuesOf(input)).toMatchObject([
      {
        code: "invalid",
        path: ["consumers", 1, "bindings"],
        message: expect.stringContaining('group "audit" needs bindings'),
      },
    ]);
    const loaded = parseScenarioText(
      [
        "name: t",
        "duration: 1s",
        "broker: {profile: rabbitmq-quorum, settings: {exchange: direct}}",
        "producers: [{name: p, rate: 10/s, routingKey: a}]",
        "consumers:",
        "  - group: g",
        "    processing: 1ms",
      ].join("\n"),
      "t.yaml",
    );
    expect(loaded.ok ? [] : loaded.issues).toMatchObject([
      { path: ["consumers", 0, "bindings"], location: { file: "t.yaml", line: 6, column: 5 } },
    ]);
  });

  it("refuse an empty bindings list, an empty weighted mix, keys over 255 bytes and unknown exchange types", () => {
    const long = "k".repeat(256);
    const input = scenarioInput({
      broker: rabbit({ exchange: "headers" }),
      producers: [
        { name: "p", rate: "10/s", routingKey: { weights: {} } },
        { name: "q", rate: "10/s", routingKey: long },
        { name: "r", rate: "10/s", routingKey: { weights: { ok: 1, [long]: 1 } } },
      ],
      consumers: [{ group: "g", processing: "1ms", bindings: [] }],
    });
    const found = issuesOf(input).map((issue) => [issue.path.join("."), issue.message]);
    expect(found).toEqual([
      ["broker.settings.exchange", expect.stringContaining('expected one of "fanout", "direct", "topic"')],
      ["producers.0.routingKey.weights", "give at least one routing key and its weight"],
      ["producers.1.routingKey", "a routing key is at most 255 bytes (an AMQP short string), found 256"],
      [
        `producers.2.routingKey.weights.${long}`,
        "a routing key is at most 255 bytes (an AMQP short string), found 256",
      ],
      ["consumers.0.bindings", expect.stringContaining("at least 1")],
    ]);
  });
});

describe("rabbitmq routing with length limits", () => {
  it("nacks a publish only when one of its own target queues is full (reject-publish)", () => {
    // Queue ga is full after its first message (processing takes 10 s, x-max-length 1 ready message);
    // gb's consumer keeps up. Messages keyed "b" never touch ga, so none of them is refused.
    const { result } = run({
      duration: "1s",
      broker: rabbit({ exchange: "direct", prefetch: 1, "x-max-length": 1, "x-overflow": "reject-publish" }),
      producers: [
        { name: "pa", arrival: { process: "constant", rate: "10/s" }, routingKey: "a" },
        { name: "pb", arrival: { process: "constant", rate: "10/s" }, routingKey: "b" },
      ],
      consumers: [
        { group: "ga", processing: "10s", bindings: ["a"] },
        { group: "gb", processing: "1ms", bindings: ["b"] },
      ],
    });
    // pa: 9 published, 2 taken (one delivered, one ready), 7 nacked; pb: 9 published, all consumed.
    expect(result.counts).toMatchObject({ published: 18, rejected: 7, consumed: 11, lost: 0, pending: 0 });
  });
});
