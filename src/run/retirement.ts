import type { Broker } from "../brokers/broker.js";
import type { RetirementConditions } from "../brokers/profile.js";
import { retiresMessages } from "../brokers/registry.js";
import { brokerCrash } from "../faults/kinds/broker-crash.js";
import type { DeliveryTable } from "../model/deliveries.js";
import type { MessageTable } from "../model/messages.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { expectedMessages, type World } from "./build.js";

/** Rows a retiring run's message table starts with: it grows only while more than this is in play. */
export const RETIRING_TABLE_ROWS = 1 << 16;

/**
 * Whether a run of `scenario` may retire messages: its broker profile reports everything it holds
 * (`retiresMessages`), and no consumer runs processing steps or calls a dependency. Those keep message ids
 * in timers of their own (a retry's backoff, a call that times out and is still applied later), which do
 * not report to the retirement yet, so such runs keep every row, as before. A producer's features report
 * through it (`Producer.oldestHeld`: its batches, writes and requester) and the broker's delay stage through
 * the broker (`DelayedIntake`'s `forEachHeld` and `releaseRead`).
 */
export function mayRetire(scenario: ParsedScenario): boolean {
  return (
    retiresMessages(scenario.broker, retirementConditions(scenario)) &&
    // A second broker (brokers:) holds message ids the retirement does not ask about.
    scenario.brokers === undefined &&
    Object.keys(scenario.dependencies ?? {}).length === 0 &&
    // A saga's coordinator keeps its instances by root message id and does not report to the retirement yet.
    Object.keys(scenario.sagas ?? {}).length === 0 &&
    scenario.consumers.every(consumerReports)
  );
}

/** What the profile's `retiresMessages` may ask about the run. */
function retirementConditions(scenario: ParsedScenario): RetirementConditions {
  return {
    horizon: scenario.duration + scenario.drainTimeout,
    brokerCrashes: scenario.faults.some((fault) => brokerCrash.is(fault)),
    brokerRetries: scenario.consumers.some((consumer) => consumer.retry?.via === "broker"),
  };
}

/**
 * Pipeline stages (publishTo, gather), batches and DLQ redrives keep message ids in structures of their own
 * (a gather's open sets, a batch being filled, a dead-letter queue a redrive reads) that do not report to the
 * retirement yet: runs with them keep every row.
 */
function consumerReports(consumer: ParsedScenario["consumers"][number]): boolean {
  return (
    consumer.steps === undefined &&
    consumer.publishTo === undefined &&
    consumer.gather === undefined &&
    consumer.batch === undefined &&
    consumer.redrive === undefined
  );
}

/** How a run retires messages: whether it does, the table's first size, and how often it looks (events). */
export interface RetirementPlan {
  retiring: boolean;
  /** Rows the message table starts with; undefined for the usual estimate of the run's messages. */
  tableRows: number | undefined;
  progress: { progressEvery?: number };
}

/** The plan for `retire` ("auto", "off", or a test's forced interval and table size; see SimulateOptions). */
export function retirementPlan(
  scenario: ParsedScenario,
  retire: "auto" | "off" | { every: number; rows: number },
): RetirementPlan {
  if (retire === "off" || !mayRetire(scenario)) return { retiring: false, tableRows: undefined, progress: {} };
  const rows = retire === "auto" ? RETIRING_TABLE_ROWS : retire.rows;
  const tableRows = Math.min(rows, expectedMessages(scenario));
  return { retiring: true, tableRows, progress: retire === "auto" ? {} : { progressEvery: retire.every } };
}

/** The retirement of a built world: its broker, deliveries, producers, consumers and effect ledger report. */
export function retirementOf(world: World): Retirement {
  const holders = [...world.producers, ...world.consumers, world.effects];
  return new Retirement({ ...world, holders });
}

/** Anything outside the broker, the delivery table and the producers that keeps message ids between events. */
export interface MessageHolder {
  /** The lowest message id it may still read or change, or +Infinity when it holds none. */
  oldestHeld(): number;
}

export interface RetirementSources {
  messages: MessageTable;
  broker: Broker;
  deliveries: DeliveryTable;
  holders: readonly MessageHolder[];
}

/**
 * Retires the messages nothing can touch any more (docs/design.md, "Memory"). Between events it finds the
 * watermark, the lowest id anyone may still read or change, and retires every message below it: the
 * table's listeners fold each into the end-of-run counters, and its row serves a newer message. A message
 * is below the watermark when its publish was answered (the broker accepted or rejected it), the broker
 * no longer holds it for any group (its profile's `forEachHeld` says so: only profiles with
 * `retiresMessages` are asked), no delivery of it is open, and no producer or other holder keeps it. A
 * message that stays in play pins the watermark: nothing newer is retired until it settles, and the table
 * grows as it would without retirement, so results never depend on it.
 */
export class Retirement {
  /** Every message below it has its publish answered or never sent (an outcome never returns to none). */
  private answeredUpTo = 0;

  constructor(private readonly sources: RetirementSources) {}

  /** Retires what can be retired now. Call between events only. */
  retire(): void {
    const watermark = this.watermark();
    if (watermark > this.sources.messages.base) this.sources.messages.retireBelow(watermark);
  }

  /** The lowest message id anyone may still read or change. */
  watermark(): number {
    const { messages, broker, deliveries, holders } = this.sources;
    let answered = Math.max(this.answeredUpTo, messages.base);
    while (answered < messages.count && messages.publishSettled(answered & messages.mask)) answered++;
    this.answeredUpTo = answered;
    let watermark = Math.min(answered, deliveries.oldestMessage());
    for (const holder of holders) watermark = Math.min(watermark, holder.oldestHeld());
    watermark = Math.min(watermark, broker.releaseRead?.() ?? Number.POSITIVE_INFINITY);
    if (watermark <= messages.base) return watermark;
    broker.forEachHeld((message) => {
      if (message < watermark) watermark = message;
    });
    return watermark;
  }
}
