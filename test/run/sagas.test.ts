// Proves sagas: all complete without failures, a failure share p compensates a binomial share p, compensations run newest first, a lost compensation leaves exactly one saga stuck, a redelivered compensation counts compensatedTwice, runs are deterministic, and the coordinator's folding (reused slots, compensations judged as their rows retire) keeps its figures.
import { describe, expect, it } from "vitest";
import type { Simulation } from "../../src/engine/simulation.js";
import { runScenario, simulate } from "../../src/index.js";
import { Fate, MessageTable } from "../../src/model/messages.js";
import { Lineage } from "../../src/model/stage-publisher.js";
import { RandomStreams } from "../../src/random/streams.js";
import { SagaCoordinator } from "../../src/run/sagas.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const GROUPS = ["stock", "payment", "shipping", "stock-release", "refund"];

/** A checkout saga of three steps; `payment` and `shipping` fail with the given shares. */
function checkout({
  orders = 200,
  payment = 0,
  shipping = 0,
  timeout = "5s",
  overrides = {} as Record<string, unknown>,
} = {}) {
  return scenarioInput({
    duration: "20s",
    drainTimeout: "1m",
    // Evenly spaced orders, far enough apart (10 ms) that one saga ends before the next starts.
    producers: [{ name: "shop", arrival: { process: "constant", rate: "100/s" }, limit: orders }],
    consumers: GROUPS.map((group) => ({ group, processing: "1ms" })),
    sagas: {
      checkout: {
        timeout,
        steps: [
          { group: "stock", compensate: "stock-release" },
          { group: "payment", compensate: "refund", failure: payment },
          { group: "shipping", failure: shipping },
        ],
      },
    },
    ...overrides,
  });
}

describe("sagas", () => {
  it("without failures every saga completes and nothing is compensated", () => {
    const { sagas, stages, messages } = runScenario(parsed(checkout())).summary;
    expect(sagas?.checkout).toMatchObject({
      started: 200,
      completed: 200,
      compensated: 0,
      stuck: 0,
      inFlight: 0,
      compensatedTwice: 0,
      compensations: { sent: 0, applied: 0, lost: 0 },
    });
    expect(stages?.shipping).toMatchObject({ received: 200, consumed: 200 });
    expect(stages?.refund?.received).toBe(0);
    expect(messages).toMatchObject({ published: 600, lost: 0, pending: 0 });
  });

  it("a payment failure share p compensates a share p of sagas (binomial 99% interval)", () => {
    const orders = 1900;
    const p = 0.2;
    const { sagas, stages } = runScenario(parsed(checkout({ orders, payment: p }))).summary;
    const saga = sagas!.checkout!;
    // Compensated ~ Binomial(n, p): 99% of runs fall within n·p ± 2.576·sqrt(n·p·(1-p)) (±44 here).
    const halfWidth = 2.576 * Math.sqrt(orders * p * (1 - p));
    expect(Math.abs(saga.compensated - orders * p)).toBeLessThanOrEqual(halfWidth);
    expect(saga.completed + saga.compensated).toBe(orders);
    // A declined card undoes only the stock reservation: one compensation each, no refund.
    expect(saga.compensations).toEqual({ sent: saga.compensated, applied: saga.compensated, lost: 0 });
    expect(stages?.refund?.received).toBe(0);
    expect(stages?.shipping?.received).toBe(saga.completed);
  });

  it("undoes the completed steps newest first: the refund before the stock release", () => {
    const log = new EventLog();
    const input = checkout({ orders: 5, shipping: 1 });
    const result = simulate(parsed(input), { observers: [log] });
    const order = log.matching("effect").map((line) => GROUPS[Number(line.split(" ")[3]!.slice(1))]);
    // Each saga: stock, payment, shipping (fails), then refund, then stock-release, one saga after the other.
    expect(order).toEqual(
      Array.from({ length: 5 }, () => ["stock", "payment", "shipping", "refund", "stock-release"]).flat(),
    );
    expect(result.sagas?.checkout).toMatchObject({ compensated: 5, compensationsSent: 10, compensationsApplied: 10 });
  });

  it("a compensation lost with an auto-ack worker's crash leaves exactly one saga stuck, with its timeline", () => {
    const input = checkout({
      orders: 50,
      shipping: 1,
      overrides: {
        broker: { profile: "rabbitmq", settings: { autoAck: true } },
        faults: [{ at: "100ms", crash: "consumer", target: "refund/1", point: "after-receive", restartAfter: "1s" }],
        expect: { sagas: { checkout: { stuck: { max: 0 } } } },
      },
    });
    const { sagas, checks } = runScenario(parsed(input)).summary;
    expect(sagas?.checkout).toMatchObject({
      started: 50,
      completed: 0,
      compensated: 49,
      stuck: 1,
      compensations: { sent: 99, applied: 98, lost: 1 },
    });
    const [check] = checks;
    expect(check).toMatchObject({ name: "sagas.checkout.stuck", passed: false, observed: "1" });
    const timeline = check!.counterExample!.events.map((event) => event.what);
    expect(timeline.slice(0, 5)).toEqual([
      "root message published",
      "stock done",
      "command to payment sent",
      "payment done",
      "command to shipping sent",
    ]);
    expect(timeline.slice(5, 7)).toEqual(["shipping failed", "compensation to refund sent"]);
    expect(timeline[7]).toMatch(/^message \d+ to refund: dropped, no answer by the end of the run$/);
  });

  it("a compensation redelivered after a crash before its ack is applied twice: compensatedTwice", () => {
    const input = checkout({
      orders: 20,
      shipping: 1,
      overrides: {
        broker: { profile: "fifo", settings: { crashDetection: "1s" } },
        faults: [{ at: "50ms", crash: "consumer", target: "refund/1", point: "before-ack", restartAfter: "1s" }],
      },
    });
    const saga = runScenario(parsed(input)).summary.sagas!.checkout!;
    expect(saga).toMatchObject({ started: 20, compensated: 20, stuck: 0, compensatedTwice: 1 });
    expect(saga.compensations).toEqual({ sent: 40, applied: 40, lost: 0 });
  });

  it("a saga whose step never answers is stuck when older than its timeout at the end, in flight otherwise", () => {
    // The first shipping command is lost: an auto-ack worker crashes right after receiving it.
    const lost = {
      broker: { profile: "rabbitmq", settings: { autoAck: true } },
      faults: [{ at: "0s", crash: "consumer", target: "shipping/1", point: "after-receive", restartAfter: "1s" }],
    };
    const old = runScenario(parsed(checkout({ orders: 10, overrides: lost }))).summary.sagas!.checkout!;
    expect(old).toMatchObject({ started: 10, completed: 9, stuck: 1, inFlight: 0 });
    const young = runScenario(parsed(checkout({ orders: 10, timeout: "5m", overrides: lost }))).summary;
    expect(young.sagas!.checkout).toMatchObject({ started: 10, completed: 9, stuck: 0, inFlight: 1 });
  });

  it("a step whose calls fail past its retries, dead-lettered by the consumer, is compensated like a business failure", () => {
    // Every payments call fails for good: the retry policy gives up at once and dead-letters the command.
    const input = checkout({
      orders: 20,
      overrides: {
        dependencies: { payments: { latency: "1ms", errors: { permanent: 1 } } },
        consumers: GROUPS.map((group) =>
          group === "payment"
            ? { group, steps: [{ call: "payments", sideEffect: true }], retry: { onExhausted: "dead-letter" } }
            : { group, processing: "1ms" },
        ),
      },
    });
    const { sagas, messages, stages } = runScenario(parsed(input)).summary;
    expect(sagas?.checkout).toMatchObject({
      started: 20,
      completed: 0,
      compensated: 20,
      stuck: 0,
      compensations: { sent: 20, applied: 20, lost: 0 },
    });
    expect(messages.deadLettered).toBe(20);
    expect(stages?.["stock-release"]?.consumed).toBe(20);
  });

  it("is deterministic: the same scenario and seed give the same summary", () => {
    const input = checkout({ orders: 500, payment: 0.1, shipping: 0.05 });
    const once = JSON.stringify(runScenario(parsed(input)).summary);
    expect(JSON.stringify(runScenario(parsed(input)).summary)).toBe(once);
  });
});

/** A coordinator of `checkout`'s saga over a table of its own, driven by hand: each call is a consumer's report. */
function coordinatorOf(input: Record<string, unknown>, ring: boolean) {
  const messages = new MessageTable(GROUPS.length, 16, ring);
  const sim = { now: 0 } as { now: number };
  const lineage = new Lineage(messages);
  const world = { sim: sim as unknown as Simulation, messages, streams: new RandomStreams(1), lineage };
  const sagas = new SagaCoordinator(parsed(input), world);
  sagas.nameGroups(GROUPS);
  const order = () => messages.create(sim.now, 0, -1, 1);
  /** Group `group` applied `message`; what the coordinator answers is sent at once. Returns the message sent, or -1. */
  const applied = (group: string, message: number) => {
    const target = sagas.next(GROUPS.indexOf(group), message);
    if (target < 0) return -1;
    const sent = messages.create(sim.now, 0, -1, 1);
    lineage.record(sent, message);
    sagas.sent(lineage.rootOf(message), sent);
    return sent;
  };
  return { sagas, messages, sim, order, applied };
}

describe("the saga coordinator's folding", () => {
  it("names the earliest started stuck saga, though a finished saga's slot went to a later one; a finished saga does not start again", () => {
    const { sagas, sim, order, applied } = coordinatorOf(checkout(), false);
    const first = order();
    const second = order();
    const firstPayment = applied("stock", first);
    applied("stock", second);
    applied("shipping", applied("payment", firstPayment));
    // The first saga completed: its slot is free, and the third takes it.
    const third = order();
    applied("stock", third);
    // The first order consumed again (a redelivery) starts nothing: its saga finished, as its row says.
    expect(applied("stock", first)).toBe(-1);
    sim.now = 10_000_000;
    const figures = sagas.finishRun(sim.now).checkout!;
    expect(figures).toMatchObject({ started: 3, completed: 1, stuck: 2, duplicateSteps: 1 });
    expect(figures.stuckExample?.root).toBe(second);
  });

  it("a stuck saga reports the fate of the message it waits on, whether its row is still there or retired", () => {
    for (const retireCommand of [false, true]) {
      const { sagas, messages, sim, order, applied } = coordinatorOf(checkout(), true);
      const root = order();
      const command = applied("stock", root);
      messages.fate[GROUPS.indexOf("payment")]![messages.slot(command)] = Fate.dropped;
      // The root, which the saga waited on before, retires first: the saga waits on the command now.
      messages.retireBelow(command);
      if (retireCommand) messages.retireBelow(command + 1);
      sim.now = 10_000_000;
      const timeline = sagas.finishRun(sim.now).checkout!.stuckExample!.timeline;
      expect(timeline.at(-1)!.what).toBe(`message ${command} to payment: dropped, no answer by the end of the run`);
    }
  });

  it("counts a compensation its group never consumed when its row is retired, not only at the end", () => {
    // Every payment fails: the stock reservation is released by a compensation nobody consumes.
    const { sagas, messages, order, applied } = coordinatorOf(checkout({ payment: 1 }), true);
    const root = order();
    const compensation = applied("payment", applied("stock", root));
    expect(compensation).toBeGreaterThan(0);
    messages.retireBelow(compensation + 1);
    // The saga is in flight (started less than the timeout before the end): nothing reads its retired rows.
    const figures = sagas.finishRun(1000).checkout!;
    expect(figures).toMatchObject({ started: 1, inFlight: 1, compensationsSent: 1, compensationsLost: 1 });
  });
});
