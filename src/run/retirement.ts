import type { Broker } from "../brokers/broker.js";
import type { DeliveryTable } from "../model/deliveries.js";
import type { MessageTable } from "../model/messages.js";
import { keepsStragglers, rowsKeptBecause } from "../scenario/retirement-scope.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { expectedMessages, type World } from "./build.js";
import { KeepApart } from "./stragglers.js";

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
  /**
   * Whether long-held messages are kept apart at every retirement, however few are in play and however many
   * are held (a test's forced retirement: it exercises `KeepApart` all the time), rather than when the ring is pinned.
   */
  eagerlyApart: boolean;
}

/** The plan for `retire` ("auto", "off", or a test's forced interval and table size; see SimulateOptions). */
export function retirementPlan(
  scenario: ParsedScenario,
  retire: "auto" | "off" | { every: number; rows: number },
): RetirementPlan {
  if (retire === "off" || !mayRetire(scenario))
    return { retiring: false, tableRows: undefined, progress: {}, eagerlyApart: false };
  const rows = retire === "auto" ? RETIRING_TABLE_ROWS : retire.rows;
  const tableRows = Math.min(rows, expectedMessages(scenario));
  if (retire === "auto") return { retiring: true, tableRows, progress: {}, eagerlyApart: false };
  return { retiring: true, tableRows, progress: { progressEvery: retire.every }, eagerlyApart: true };
}

/**
 * The retirement of a built world: its broker, deliveries, producers, consumers, effect ledger, dependencies
 * (open calls) and redrives (DLQs) report; a run with stages, its flows too (a gather's open sets; the roots of
 * the messages kept), and a second broker.
 */
export function retirementOf(world: World, eagerlyApart = false): Retirement {
  const patterns = [...world.patterns.dependencies, ...(world.redrives === null ? [] : [world.redrives])];
  const flows = world.flows === null ? [] : [world.flows];
  const brokers = world.extraBrokers === null ? [] : [world.extraBrokers];
  const holders = [...world.producers, ...world.consumers, world.effects, ...patterns, ...flows, ...brokers];
  const apart = !keepsStragglers(world.scenario) ? "never" : eagerlyApart ? "eagerly" : "when pinned";
  return new Retirement({ ...world, holders, keepers: flows }, apart);
}

/** Anything outside the broker, the delivery table and the producers that keeps message ids between events. */
export interface MessageHolder {
  /** The lowest message id it may still read or change, or +Infinity when it holds none. */
  oldestHeld(): number;
  /**
   * Visits every id `oldestHeld`'s minimum is taken over, each at least once. A holder that can say lets the
   * retirement keep what it holds long apart (stragglers) instead of pinning the watermark; one that cannot
   * pins it below its oldest, as before.
   */
  forEachHeld?(visit: (id: number) => void): void;
}

/**
 * Something the messages at or above a watermark may lead back to: a pipeline's flows keep their roots' rows
 * (where a flow's state lives) as long as any message of the flow is kept.
 */
export interface MessageKeeper {
  /** `watermark` lowered so that what the messages from it on (those someone may still read) lead to is kept. */
  keptFrom(watermark: number): number;
  /** The message whose row `id` leads back to (itself when none), kept as long as `id` is. */
  leadsTo(id: number): number;
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
 * grows as it would without retirement, so results never depend on it; where everyone who holds it can say
 * so, `KeepApart` keeps it apart instead, as a straggler below the base, and the watermark moves on.
 */
export class Retirement {
  /** Every message below it has its publish answered or never sent (an outcome never returns to none). */
  private answeredUpTo = 0;
  private readonly apart: KeepApart | null;

  constructor(
    private readonly sources: RetirementSources,
    apart: "never" | "when pinned" | "eagerly" = "never",
  ) {
    this.apart = apart === "never" ? null : new KeepApart(sources, apart === "eagerly");
  }

  /** Retires what can be retired now. Call between events only. */
  retire(): void {
    const watermark = this.watermark();
    if (watermark > this.sources.messages.base) this.sources.messages.retireBelow(watermark);
    this.apart?.whenPinned();
  }

  /** The lowest message id anyone may still read or change, stragglers aside (they are below the base). */
  watermark(): number {
    const { messages, broker, deliveries, holders } = this.sources;
    const base = messages.base;
    let answered = Math.max(this.answeredUpTo, base);
    while (answered < messages.count && messages.publishSettled(answered & messages.mask)) answered++;
    this.answeredUpTo = answered;
    let watermark = Math.min(answered, deliveries.oldestMessage(base));
    for (const holder of holders) watermark = Math.min(watermark, oldestInTable(holder, base));
    watermark = Math.min(watermark, broker.releaseRead?.() ?? Number.POSITIVE_INFINITY);
    if (watermark <= base) return watermark;
    broker.forEachHeld((message) => {
      if (message < watermark && message >= base) watermark = message;
    });
    // Last: what every message kept leads back to, the watermark being final otherwise.
    for (const keeper of this.sources.keepers ?? []) watermark = keeper.keptFrom(watermark);
    return watermark;
  }
}

/**
 * A holder's oldest id at or above the table's base. A straggler it holds is below the base and pins nothing,
 * but its `oldestHeld` may be that straggler: a holder that lists what it holds is asked for the rest; one
 * that cannot pins the watermark at its oldest (nothing is retired while it holds a straggler).
 */
function oldestInTable(holder: MessageHolder, base: number): number {
  const oldest = holder.oldestHeld();
  if (oldest >= base || holder.forEachHeld === undefined) return oldest;
  let inTable = Number.POSITIVE_INFINITY;
  holder.forEachHeld((id) => {
    if (id >= base && id < inTable) inTable = id;
  });
  return inTable;
}
