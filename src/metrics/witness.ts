import type { MessageColumn, MessageTable } from "../model/messages.js";
import { NullObserver } from "../model/observer.js";
import { REDRIVE, type TimelineStep, Timelines } from "./timelines.js";

export type OrderingScope = "per-key" | "per-producer" | "per-partition" | "none";

/** A violation's first instance, with the simulated times that show it (microseconds). */
export interface Example {
  message: number;
  group: number;
  key: number;
  producer: number;
  /** What happened, in order: e.g. consumed by billing/1 at t1, again by billing/2 at t2. */
  events: { what: string; consumer: number; at: number }[];
}

/** Per message of one group: when and by which consumer something first happened to it. */
interface FirstTimes {
  at: MessageColumn<Float64Array>;
  by: MessageColumn<Int32Array>;
}

/**
 * Watches the event stream for the first example of each anomaly and counts
 * out-of-order consumptions. Checkers turn these into counter-examples.
 */
export class Witness extends NullObserver {
  outOfOrder = 0;
  firstDuplicate: Example | null = null;
  firstRepeatedEffect: Example | null = null;
  firstOutOfOrder: Example | null = null;
  /** Per group: when and by whom each message was first consumed. */
  private firstConsumed: FirstTimes[] = [];
  /**
   * Per group: when and by whom each message's side effect was first applied. Usually the first
   * consumption, but a dependency call can apply it before (or without) any consumption: a call that
   * timed out after the service charged (src/patterns).
   */
  private firstEffect: FirstTimes[] = [];
  /**
   * Failed processing attempts (src/patterns), kept by (group, message) until a repeated effect is found,
   * so its counter-example shows the attempts between the two effects. Only runs with steps report any.
   */
  private readonly failedAttempts: Timelines;
  private messages!: MessageTable;
  /** Highest message id consumed so far in each ordering stream (group, producer[, key]). */
  private readonly lastInStream = new Map<number, number>();
  /** Per group: the lowest message id dropped, when and why; the first lost message is usually that one. */
  private readonly lowestDrop: ({ message: number; reason: string; at: number } | undefined)[] = [];

  constructor(
    private readonly groups: number,
    private readonly producers: number,
    private readonly keySpace: number,
    private readonly scope: OrderingScope,
    private readonly repeatsMatter: readonly boolean[],
  ) {
    super();
    this.failedAttempts = new Timelines(groups);
  }

  /** Starts watching a run whose messages live in `messages`. */
  watch(messages: MessageTable): void {
    this.messages = messages;
    // Columns of the message table, so their rows are retired with the messages'.
    const table = (): FirstTimes => ({
      at: messages.column((n) => new Float64Array(n)),
      by: messages.column((n) => new Int32Array(n)),
    });
    this.firstConsumed = Array.from({ length: this.groups }, table);
    this.firstEffect = Array.from({ length: this.groups }, table);
  }

  override deadLettered(message: number, group: number): void {
    if (!this.failedAttempts.empty) this.failedAttempts.forget(message, group);
  }

  override dropped(message: number, group: number, reason: string, now: number): void {
    if (!this.failedAttempts.empty) this.failedAttempts.forget(message, group);
    const lowest = this.lowestDrop[group];
    if (lowest === undefined || message < lowest.message) this.lowestDrop[group] = { message, reason, at: now };
  }

  /** When and why `message` was dropped for `group`, if it is the lowest message id dropped there. */
  dropOf(message: number, group: number): { reason: string; at: number } | undefined {
    const lowest = this.lowestDrop[group];
    return lowest?.message === message ? lowest : undefined;
  }

  override consumed(message: number, group: number, consumer: number, timesConsumed: number, now: number): void {
    // Attempts are kept only while a message is in progress, so the table stays small.
    if (!this.failedAttempts.empty) this.failedAttempts.forget(message, group);
    const first = this.firstConsumed[group]!;
    if (timesConsumed === 1) {
      const row = this.messages.slot(message);
      first.at.values[row] = now;
      first.by.values[row] = consumer;
      this.checkOrder(message, group, consumer, now);
    } else if (this.firstDuplicate === null) {
      this.firstDuplicate = this.example(message, group, "consumed", first, consumer, now);
    }
  }

  override sideEffect(message: number, group: number, consumer: number, timesApplied: number, now: number): void {
    if (this.firstRepeatedEffect !== null || !this.repeatsMatter[group]) return;
    const first = this.firstEffect[group]!;
    if (timesApplied === 1) {
      const row = this.messages.slot(message);
      first.at.values[row] = now;
      first.by.values[row] = consumer;
      return;
    }
    const example = this.example(message, group, "side effect applied", first, consumer, now);
    const attempts = this.failedAttempts.steps(message, group).map(described);
    example.events = [...example.events, ...attempts].sort((a, b) => a.at - b.at);
    this.firstRepeatedEffect = example;
    this.failedAttempts.clear();
  }

  attemptFailed(
    message: number,
    group: number,
    consumer: number,
    attempt: number,
    why: string,
    retryIn: number | null,
    now: number,
  ): void {
    if (this.firstRepeatedEffect !== null || !this.repeatsMatter[group]) return;
    // Described only if it ends up in the counter-example: most never do.
    this.failedAttempts.add(message, group, attempt, why, retryIn, consumer, now);
  }

  /** A redrive is a step in a message's timeline like a failed attempt: a repeated effect's counter-example shows it. */
  redriven(message: number, group: number, now: number): void {
    if (this.firstRepeatedEffect !== null || !this.repeatsMatter[group]) return;
    this.failedAttempts.add(message, group, REDRIVE, "", null, -1, now);
  }

  private checkOrder(message: number, group: number, consumer: number, now: number): void {
    if (this.scope === "none") return;
    const key = this.messages.key[this.messages.slot(message)]!;
    if (this.scope === "per-key" && key < 0) return;
    const producer = this.messages.producer[this.messages.slot(message)]!;
    const stream = this.streamOf(group, producer, key, this.messages.partition[this.messages.slot(message)]!);
    // A producer's own order is creation order; a partition's is the order the broker accepted (appended) in.
    const position = this.scope === "per-partition" ? this.messages.acceptOrder[this.messages.slot(message)]! : message;
    const last = this.lastInStream.get(stream);
    if (last !== undefined && last > position) {
      this.outOfOrder++;
      if (this.firstOutOfOrder === null) {
        this.firstOutOfOrder = {
          message,
          group,
          key,
          producer,
          events: [
            {
              what: `consumed after a message ${this.scope === "per-partition" ? "appended" : "published"} later`,
              consumer,
              at: now,
            },
          ],
        };
      }
    } else {
      this.lastInStream.set(stream, position);
    }
  }

  /** A number naming the ordering stream a message belongs to, unique per (group, scope's identity). */
  private streamOf(group: number, producer: number, key: number, partition: number): number {
    switch (this.scope) {
      case "per-key":
        return (group * this.producers + producer) * this.keySpace + key;
      case "per-producer":
        return group * this.producers + producer;
      default:
        return group * 2 ** 21 + partition;
    }
  }

  private example(
    message: number,
    group: number,
    what: string,
    first: FirstTimes,
    consumer: number,
    now: number,
  ): Example {
    const row = this.messages.slot(message);
    return {
      message,
      group,
      key: this.messages.key[this.messages.slot(message)]!,
      producer: this.messages.producer[this.messages.slot(message)]!,
      events: [
        { what, consumer: first.by.values[row]!, at: first.at.values[row]! },
        { what: `${what} again`, consumer, at: now },
      ],
    };
  }
}

/** A timeline step as the counter-example shows it. */
function described(step: TimelineStep): { what: string; consumer: number; at: number } {
  const { attempt, why, retryIn, consumer, at } = step;
  if (attempt === REDRIVE) return { what: "redriven from the dead-letter queue", consumer, at };
  const next = retryIn === null ? "gave up" : `retry in ${retryIn / 1000} ms`;
  return { what: `attempt ${attempt} failed: ${why}; ${next}`, consumer, at };
}
