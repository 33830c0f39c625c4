// Proves the bookkeeper records what a profile decides: acceptance stamps a message and confirms it once per publish, a retried publish is counted as republished, a refusal nacks without a record, deliveries count attempts beyond the stored copies, and fates are set per group.
import { describe, expect, it } from "vitest";
import { Simulation } from "../../src/engine/simulation.js";
import { Bookkeeper } from "../../src/model/bookkeeper.js";
import { DeliveryTable } from "../../src/model/deliveries.js";
import { EffectLedger } from "../../src/model/effects.js";
import { Fate, MessageTable, PublishOutcome } from "../../src/model/messages.js";
import { Link } from "../../src/model/network.js";
import { PublisherGate } from "../../src/model/publisher-gate.js";
import { EventLog } from "../helpers/event-log.js";

/** Two groups, one consumer each, one producer listening for confirms; links have zero latency. */
function bench(options: { confirmsWanted?: boolean; latency?: number } = {}) {
  const sim = new Simulation();
  const messages = new MessageTable(2, 16);
  const log = new EventLog();
  const counts = { republished: 0, deduplicated: 0 };
  const heard: string[] = [];
  const latency = options.latency === undefined ? null : () => options.latency!;
  const link = () => new Link(sim, latency, { kind: "broker" }, { kind: "broker" });
  const bookkeeper = new Bookkeeper({
    sim,
    messages,
    deliveries: new DeliveryTable(),
    observer: log,
    gate: new PublisherGate(log, sim),
    effects: new EffectLedger(messages, log, [0, 1], 2),
    consumers: [
      { index: 0, group: 0, capacity: 10 },
      { index: 1, group: 1, capacity: 10 },
    ],
    incarnations: new Int32Array(2),
    names: { producers: ["p#1"], consumers: ["a/1", "b/1"], groups: ["a", "b"] },
    routing: { keysOfProducer: [[]], bindingsOfGroup: [null, null] },
    counts,
    stream: () => () => 0.5,
    confirmsWanted: options.confirmsWanted ?? true,
  });
  bookkeeper.connectProducer(0, link(), {
    tracksConfirms: true,
    onConfirm: (m) => heard.push(`t=${sim.now} confirm m${m}`),
    onNack: (m) => heard.push(`t=${sim.now} nack m${m}`),
  });
  for (const consumer of [0, 1]) {
    bookkeeper.connectConsumer(consumer, link(), (d) => heard.push(`t=${sim.now} c${consumer} received d${d}`), link());
  }
  const message = messages.create(0, 0, 0, 100);
  return { sim, messages, log, counts, heard, bookkeeper, message };
}

describe("Bookkeeper", () => {
  it("accepts a message once, confirms every publish, and counts a retried publish as republished", () => {
    const { bookkeeper, messages, log, counts, heard, message, sim } = bench();
    sim.at(5, () => bookkeeper.accept(message));
    sim.at(9, () => bookkeeper.accept(message));
    sim.run({ untilTime: 1_000, maxEvents: 100 });
    expect(log.lines).toEqual(["t=5 accepted m0"]);
    expect(heard).toEqual(["t=5 confirm m0", "t=9 confirm m0"]);
    expect(messages.acceptedAt[message]).toBe(5);
    expect(messages.copies[message]).toBe(2);
    expect(counts).toEqual({ republished: 1, deduplicated: 0 });
  });

  it("rejects with a nack and a record, refuses with a nack only, and never unaccepts", () => {
    const { bookkeeper, messages, log, heard, message } = bench();
    bookkeeper.refuse(message);
    expect(messages.outcome[message]).toBe(PublishOutcome.none);
    bookkeeper.reject(message);
    expect(messages.outcome[message]).toBe(PublishOutcome.rejected);
    bookkeeper.accept(message);
    bookkeeper.reject(message);
    expect(messages.outcome[message]).toBe(PublishOutcome.accepted);
    expect(log.lines).toEqual(["t=0 rejected m0", "t=0 accepted m0"]);
    expect(heard).toEqual(["t=0 nack m0", "t=0 nack m0", "t=0 confirm m0", "t=0 nack m0"]);
  });

  it("answers a deduplicated publish with a confirm and no new copy", () => {
    const { bookkeeper, messages, counts, heard, message } = bench();
    bookkeeper.accept(message);
    bookkeeper.confirmDuplicate(message);
    expect(messages.copies[message]).toBe(1);
    expect(counts.deduplicated).toBe(1);
    expect(heard).toEqual(["t=0 confirm m0", "t=0 confirm m0"]);
  });

  it("sends no confirms when no producer wants them", () => {
    const { bookkeeper, heard, message } = bench({ confirmsWanted: false });
    bookkeeper.accept(message);
    bookkeeper.reject(message);
    expect(heard).toEqual([]);
  });

  it("delivers over the consumer's link and counts attempts beyond the stored copies", () => {
    const { bookkeeper, log, heard, message, sim } = bench({ latency: 3 });
    sim.at(10, () => bookkeeper.accept(message));
    sim.at(20, () => bookkeeper.deliver(message, 0));
    sim.at(30, () => bookkeeper.deliver(message, 0));
    sim.at(40, () => bookkeeper.deliver(message, 1));
    sim.run({ untilTime: 1_000, maxEvents: 100 });
    expect(log.lines).toEqual([
      "t=10 accepted m0",
      "t=20 delivered m0 g0 c0 waited 10",
      "t=30 delivered m0 g0 c0 waited 20 attempt 2",
      "t=40 delivered m0 g1 c1 waited 30",
    ]);
    expect(heard).toEqual(["t=13 confirm m0", "t=23 c0 received d0", "t=33 c0 received d1", "t=43 c1 received d2"]);
  });

  it("sets a message's fate for one group only", () => {
    const { bookkeeper, messages, log, message } = bench();
    bookkeeper.deadLetter(message, 0, "delivery-limit");
    bookkeeper.drop(message, 1, "overflow");
    expect([messages.fate[0]![message], messages.fate[1]![message]]).toEqual([Fate.deadLettered, Fate.dropped]);
    bookkeeper.notRouted(message, 1);
    expect(messages.fate[1]![message]).toBe(Fate.notRouted);
    expect(log.lines).toEqual(["t=0 dead-lettered m0 g0 delivery-limit", "t=0 dropped m0 g1 overflow"]);
  });
});
