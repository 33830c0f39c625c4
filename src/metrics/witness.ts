import type { MessageTable } from "../model/messages.js";
import { NullObserver } from "../model/observer.js";

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
  private firstConsumed: { at: Float64Array; by: Int32Array }[] = [];
  /**
   * Per group: when and by whom each message's side effect was first applied. Usually the first
   * consumption, but a dependency call can apply it before (or without) any consumption: a call that
   * timed out after the service charged (src/patterns).
   */
  private firstEffect: { at: Float64Array; by: Int32Array }[] = [];
  /**
   * Failed processing attempts (src/patterns), kept by (group, message) until a repeated effect is found,
   * so its counter-example shows the attempts between the two effects. Only runs with steps report any.
   */
  private readonly failedAttempts = new Map<number, { what: string; consumer: number; at: number }[]>();
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
  }

  /** Starts watching a run whose messages live in `messages`. */
  watch(messages: MessageTable): void {
    this.messages = messages;
    const table = () => ({ at: new Float64Array(messages.capacity), by: new Int32Array(messages.capacity) });
    this.firstConsumed = Array.from({ length: this.groups }, table);
    this.firstEffect = Array.from({ length: this.groups }, table);
  }

  override deadLettered(message: number, group: number): void {
    if (this.failedAttempts.size > 0) this.failedAttempts.delete(message * this.groups + group);
  }

  override dropped(message: number, group: number, reason: string, now: number): void {
    if (this.failedAttempts.size > 0) this.failedAttempts.delete(message * this.groups + group);
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
    if (this.failedAttempts.size > 0) this.failedAttempts.delete(message * this.groups + group);
    const first = this.slot(this.firstConsumed, group, message);
    if (timesConsumed === 1) {
      first.at[message] = now;
      first.by[message] = consumer;
      this.checkOrder(message, group, consumer, now);
    } else if (this.firstDuplicate === null) {
      this.firstDuplicate = this.example(message, group, "consumed", first, consumer, now);
    }
  }

  override sideEffect(message: number, group: number, consumer: number, timesApplied: number, now: number): void {
    if (this.firstRepeatedEffect !== null || !this.repeatsMatter[group]) return;
    const first = this.slot(this.firstEffect, group, message);
    if (timesApplied === 1) {
      first.at[message] = now;
      first.by[message] = consumer;
      return;
    }
    const example = this.example(message, group, "side effect applied", first, consumer, now);
    const attempts = this.failedAttempts.get(message * this.groups + group) ?? [];
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
    const pair = message * this.groups + group;
    let attempts = this.failedAttempts.get(pair);
    if (attempts === undefined) {
      attempts = [];
      this.failedAttempts.set(pair, attempts);
    }
    const next = retryIn === null ? "gave up" : `retry in ${retryIn / 1000} ms`;
    attempts.push({ what: `attempt ${attempt} failed: ${why}; ${next}`, consumer, at: now });
  }

  /** A redrive is a step in a message's timeline like a failed attempt: a repeated effect's counter-example shows it. */
  redriven(message: number, group: number, now: number): void {
    if (this.firstRepeatedEffect !== null || !this.repeatsMatter[group]) return;
    const pair = message * this.groups + group;
    const events = this.failedAttempts.get(pair) ?? [];
    events.push({ what: "redriven from the dead-letter queue", consumer: -1, at: now });
    this.failedAttempts.set(pair, events);
  }

  private checkOrder(message: number, group: number, consumer: number, now: number): void {
    if (this.scope === "none") return;
    const key = this.messages.key[message]!;
    if (this.scope === "per-key" && key < 0) return;
    const producer = this.messages.producer[message]!;
    const stream = this.streamOf(group, producer, key, this.messages.partition[message]!);
    // A producer's own order is creation order; a partition's is the order the broker accepted (appended) in.
    const position = this.scope === "per-partition" ? this.messages.acceptOrder[message]! : message;
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
    first: { at: Float64Array; by: Int32Array },
    consumer: number,
    now: number,
  ): Example {
    return {
      message,
      group,
      key: this.messages.key[message]!,
      producer: this.messages.producer[message]!,
      events: [
        { what, consumer: first.by[message]!, at: first.at[message]! },
        { what: `${what} again`, consumer, at: now },
      ],
    };
  }

  /** The per-group table, grown to hold `message`. */
  private slot(tables: { at: Float64Array; by: Int32Array }[], group: number, message: number) {
    let table = tables[group]!;
    if (message >= table.at.length) {
      const size = Math.max(message + 1, table.at.length * 2);
      const at = new Float64Array(size);
      at.set(table.at);
      const by = new Int32Array(size);
      by.set(table.by);
      table = { at, by };
      tables[group] = table;
    }
    return table;
  }
}
