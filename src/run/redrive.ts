import type { Broker } from "../brokers/broker.js";
import type { Simulation } from "../engine/simulation.js";
import { HeldIds } from "../model/held-ids.js";
import { Fate, type MessageColumn, type MessageTable } from "../model/messages.js";
import { NullObserver, type RunObserver } from "../model/observer.js";
import type { RedriveFigures, RedriveSpec } from "../patterns/redrive.js";
import type { ParsedScenario } from "../scenario/schema.js";
import type { Patterns } from "./patterns.js";

/** What one group's redrives need: its index, the moves it declares and the figures they count into. */
export interface GroupRedrive {
  group: number;
  actions: readonly RedriveSpec[];
  figures: RedriveFigures;
}

/**
 * The DLQ redrives of a run (docs/patterns.md#dlq-redrive). As an observer it keeps each redriving group's
 * dead-letter queue: the messages dead-lettered for it, by the broker or by the retry policy
 * (`onExhausted: dead-letter`), oldest first; parked messages go to a parking lot, not the DLQ, and stay.
 * At each action's time it takes what the DLQ holds (at most `max`) and moves it back, all at once or at
 * `rate`, one message per event. A moved message is no longer dead-lettered; its next delivery is a
 * redelivery of the same message id. Built only for a scenario that declares a redrive: others never
 * see it.
 *
 * For retirement it holds every message in a DLQ until the group's last action has taken what it moves
 * (the move reads and changes the message's row), and each message an action is still moving at `rate`;
 * after its last action a group's DLQ is kept no more, as nothing would read it.
 */
export class Redrives extends NullObserver {
  private readonly queues = new Map<number, number[]>();
  /**
   * Per redriving group, a message-table column: 1 for a message moved back and not yet consumed or dead-lettered
   * again (a Set of pairs allocated as it filled and emptied). `movedCount` counts the 1s of every group.
   */
  private readonly moved: (MessageColumn<Uint8Array> | undefined)[] = [];
  private movedCount = 0;
  /** Per redriving group: its actions not yet begun. A group with none left keeps no DLQ. */
  private readonly actionsLeft = new Map<number, number>();
  /** The messages in the DLQs, and those an action is moving. */
  private readonly held: HeldIds;
  private broker!: Broker;
  private observer!: RunObserver;

  constructor(
    private readonly sim: Simulation,
    private readonly messages: MessageTable,
    private readonly groups: readonly GroupRedrive[],
  ) {
    super();
    this.held = new HeldIds(messages);
    for (const { group, actions } of groups) {
      this.queues.set(group, []);
      this.actionsLeft.set(group, (this.actionsLeft.get(group) ?? 0) + actions.length);
      this.moved[group] = messages.column((length) => new Uint8Array(length));
    }
  }

  /** Schedules every action; `observer` is the run's, which hears each move. */
  start(broker: Broker, observer: RunObserver): void {
    this.broker = broker;
    this.observer = observer;
    for (const redrive of this.groups)
      for (const action of redrive.actions) this.sim.at(action.at, () => this.begin(redrive, action));
  }

  /** The lowest message id in a DLQ or being moved, +Infinity when none: for retirement. */
  oldestHeld(): number {
    return this.held.oldest();
  }

  /** Every message in a DLQ or being moved (MessageHolder.forEachHeld). */
  forEachHeld(visit: (id: number) => void): void {
    this.held.forEach(visit);
  }

  override deadLettered(message: number, group: number, reason: string): void {
    const queue = this.queues.get(group);
    if (queue === undefined || reason.startsWith("parked")) return;
    if (this.actionsLeft.get(group)! > 0) {
      queue.push(message);
      this.held.hold(message);
    }
    if (this.unmark(message, group)) this.figuresOf(group).redrivenDeadLettered++;
  }

  override consumed(message: number, group: number): void {
    if (this.movedCount > 0 && this.unmark(message, group)) this.figuresOf(group).redrivenConsumed++;
  }

  private begin(redrive: GroupRedrive, action: RedriveSpec): void {
    const { group } = redrive;
    const actionsLeft = this.actionsLeft.get(group)! - 1;
    this.actionsLeft.set(group, actionsLeft);
    // The DLQ as it is when the move starts; later arrivals wait for the next action.
    const held = this.queues.get(group)!.filter((message) => this.stillDeadLettered(message, group));
    const count = Math.min(held.length, action.max ?? held.length);
    const batch = held.slice(0, count);
    const rest = held.slice(count);
    // After the group's last action nothing reads its DLQ again.
    if (actionsLeft === 0) for (const message of rest) this.held.release(message);
    this.queues.set(group, actionsLeft === 0 ? [] : rest);
    if (action.ratePerSecond === null) {
      for (const message of batch) this.move(redrive, message);
      return;
    }
    const startedAt = this.sim.now;
    const gap = 1_000_000 / action.ratePerSecond;
    const next = (index: number): void => {
      this.move(redrive, batch[index]!);
      // The i-th move at start + i / rate, rounded to the microsecond, so the rate holds over a long move.
      // The index travels as the event's argument: one closure per action, not one per move.
      if (index + 1 < batch.length) this.sim.at(startedAt + Math.round((index + 1) * gap), next, index + 1);
    };
    if (batch.length > 0) next(0);
  }

  /** Whether a message the DLQ held is dead-lettered still; one that is not leaves the DLQ (and is held no more). */
  private stillDeadLettered(message: number, group: number): boolean {
    if (this.messages.fate[group]![this.messages.slot(message)] === Fate.deadLettered) return true;
    this.held.release(message);
    return false;
  }

  /** Moves one message back (held until now: the broker holds it next, or the DLQ again if the move failed). */
  private move(redrive: GroupRedrive, message: number): void {
    this.moveBack(redrive, message);
    this.held.release(message);
  }

  private moveBack({ group, figures }: GroupRedrive, message: number): void {
    const fate = this.messages.fate[group]!;
    const row = this.messages.slot(message);
    if (fate[row] !== Fate.deadLettered) return;
    // Observers hear of the move before the broker can deliver the message (at once, over a zero-latency link).
    fate[row] = Fate.none;
    this.mark(message, group);
    this.observer.redriven?.(message, group, this.sim.now);
    if (this.broker.redrive!(message, group)) {
      figures.redriven++;
      return;
    }
    // The broker is down: the move fails and the message is back in the DLQ, at its tail.
    this.unmark(message, group);
    fate[row] = Fate.deadLettered;
    this.observer.deadLettered(message, group, "redrive failed: broker unavailable", this.sim.now);
  }

  private figuresOf(group: number): RedriveFigures {
    return this.groups.find((g) => g.group === group)!.figures;
  }

  private mark(message: number, group: number): void {
    const moved = this.moved[group]!.values;
    const row = this.messages.slot(message);
    if (moved[row] === 0) this.movedCount++;
    moved[row] = 1;
  }

  /** Whether (message, group) was moved and not yet settled; it is not any more. */
  private unmark(message: number, group: number): boolean {
    const moved = this.moved[group]?.values;
    if (moved === undefined) return false;
    const row = this.messages.slot(message);
    if (moved[row] === 0) return false;
    moved[row] = 0;
    this.movedCount--;
    return true;
  }
}

/** The run's redrives, or null when no group declares one (the run then has no redrive observer at all). */
export function redrivesOf(
  scenario: ParsedScenario,
  sim: Simulation,
  messages: MessageTable,
  patterns: Patterns,
): Redrives | null {
  const groups = scenario.consumers.flatMap((consumer, group): GroupRedrive[] => {
    const figures = patterns.retryFigures[group]?.redrive;
    return consumer.redrive === undefined || figures === undefined
      ? []
      : [{ group, actions: consumer.redrive, figures }];
  });
  return groups.length === 0 ? null : new Redrives(sim, messages, groups);
}
