import type { MessageTable } from "../model/messages.js";
import { NullObserver } from "../model/observer.js";

/** What happened to a message at one instant, by component index (-1: none). */
export interface LineageEvent {
  /** Simulated time, microseconds. */
  at: number;
  event:
    | "published"
    | "accepted"
    | "rejected"
    | "delivered"
    | "redelivered"
    | "consumed"
    | "side effect"
    | "dead-lettered"
    | "redriven"
    | "attempt failed"
    | "dropped";
  producer: number;
  group: number;
  consumer: number;
  /** Delivery attempt, times consumed or applied, or a reason: whatever the event carries. */
  detail: string;
}

/**
 * Records every event of a few chosen messages and nothing else: the timelines of counter-example messages.
 * Memory is bounded by the number of messages watched times `limitPerMessage`; a message redelivered more
 * often keeps its first events and counts the rest.
 */
export class LineageRecorder extends NullObserver {
  readonly events = new Map<number, LineageEvent[]>();
  readonly omitted = new Map<number, number>();
  private messages: MessageTable | undefined;

  constructor(
    watched: readonly number[],
    private readonly limitPerMessage = 200,
  ) {
    super();
    for (const message of watched) {
      this.events.set(message, []);
      this.omitted.set(message, 0);
    }
  }

  watch(messages: MessageTable): void {
    this.messages = messages;
  }

  override published(message: number, now: number): void {
    this.record(message, now, "published", -1, -1, "");
  }
  override accepted(message: number, now: number): void {
    this.record(message, now, "accepted", -1, -1, "");
  }
  override rejected(message: number, now: number): void {
    this.record(message, now, "rejected", -1, -1, "");
  }
  override delivered(message: number, group: number, consumer: number, attempt: number, _wait: number, now: number) {
    this.record(message, now, attempt > 1 ? "redelivered" : "delivered", group, consumer, `attempt ${attempt}`);
  }
  override consumed(message: number, group: number, consumer: number, times: number, now: number): void {
    this.record(message, now, "consumed", group, consumer, times > 1 ? `${times} times` : "");
  }
  override sideEffect(message: number, group: number, consumer: number, times: number, now: number): void {
    this.record(message, now, "side effect", group, consumer, times > 1 ? `${times} times` : "");
  }
  override deadLettered(message: number, group: number, reason: string, now: number): void {
    this.record(message, now, "dead-lettered", group, -1, reason);
  }
  override dropped(message: number, group: number, reason: string, now: number): void {
    this.record(message, now, "dropped", group, -1, reason);
  }
  redriven(message: number, group: number, now: number): void {
    this.record(message, now, "redriven", group, -1, "back from the DLQ");
  }
  /** A failed processing attempt (src/patterns), with why, and the wait before the next or that the policy gave up. */
  attemptFailed(
    message: number,
    group: number,
    consumer: number,
    attempt: number,
    why: string,
    retryIn: number | null,
    now: number,
  ): void {
    const next = retryIn === null ? "gave up" : `retry in ${retryIn / 1000} ms`;
    this.record(message, now, "attempt failed", group, consumer, `attempt ${attempt}: ${why}; ${next}`);
  }

  private record(
    message: number,
    at: number,
    event: LineageEvent["event"],
    group: number,
    consumer: number,
    detail: string,
  ): void {
    const events = this.events.get(message);
    if (events === undefined) return;
    if (events.length >= this.limitPerMessage) {
      this.omitted.set(message, (this.omitted.get(message) ?? 0) + 1);
      return;
    }
    const producer = this.messages?.producer[this.messages.slot(message)] ?? -1;
    events.push({ at, event, producer, group, consumer, detail });
  }
}
