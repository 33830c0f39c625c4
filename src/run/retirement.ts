import type { Broker } from "../brokers/broker.js";
import type { DeliveryTable } from "../model/deliveries.js";
import type { MessageTable } from "../model/messages.js";
import { rowsKeptBecause } from "../scenario/retirement-scope.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { expectedMessages, type World } from "./build.js";

/** Rows a retiring run's message table starts with: it grows only while more than this is in play. */
export const RETIRING_TABLE_ROWS = 1 << 16;

/** Whether a run of `scenario` may retire messages: nothing in it keeps a row for every message (`rowsKeptBecause`). */
export function mayRetire(scenario: ParsedScenario): boolean {
  return rowsKeptBecause(scenario) === null;
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

/**
 * The retirement of a built world: its broker, deliveries, producers, consumers, effect ledger, dependencies
 * (open calls) and redrives (DLQs) report; a run with stages, its flows too (a gather's open sets; the roots of
 * the messages kept), and a second broker.
 */
export function retirementOf(world: World): Retirement {
  const patterns = [...world.patterns.dependencies, ...(world.redrives === null ? [] : [world.redrives])];
  const flows = world.flows === null ? [] : [world.flows];
  const brokers = world.extraBrokers === null ? [] : [world.extraBrokers];
  const holders = [...world.producers, ...world.consumers, world.effects, ...patterns, ...flows, ...brokers];
  return new Retirement({ ...world, holders, keepers: flows });
}

/** Anything outside the broker, the delivery table and the producers that keeps message ids between events. */
export interface MessageHolder {
  /** The lowest message id it may still read or change, or +Infinity when it holds none. */
  oldestHeld(): number;
}

/**
 * Something the messages at or above a watermark may lead back to: a pipeline's flows keep their roots' rows
 * (where a flow's state lives) as long as any message of the flow is kept.
 */
export interface MessageKeeper {
  /** `watermark` lowered so that what the messages from it on (those someone may still read) lead to is kept. */
  keptFrom(watermark: number): number;
}

export interface RetirementSources {
  messages: MessageTable;
  broker: Broker;
  deliveries: DeliveryTable;
  holders: readonly MessageHolder[];
  keepers?: readonly MessageKeeper[];
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
    // Last: what every message kept leads back to, the watermark being final otherwise.
    for (const keeper of this.sources.keepers ?? []) watermark = keeper.keptFrom(watermark);
    return watermark;
  }
}
