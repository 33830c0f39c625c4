/**
 * What the model reports as it runs. Metrics and checkers implement this and
 * only observe: they never change what the model does.
 */
export interface RunObserver {
  /** A producer created a message (its intended send time is `intendedAt` in the message table). */
  published(message: number, now: number): void;
  /** The broker accepted a message and confirms it to the producer. */
  accepted(message: number, now: number): void;
  /** The broker refused a message (a nack to the producer). */
  rejected(message: number, now: number): void;
  /** The broker handed a message to `consumer`, one of `group`, after it waited `queueWait` in the queue. */
  delivered(message: number, group: number, consumer: number, queueWait: number, now: number): void;
  /** A consumer of `group` finished processing and acknowledged the message, for the `timesConsumed`-th time. */
  consumed(message: number, group: number, timesConsumed: number, now: number): void;
  /** The number of messages waiting in `group`'s queue changed. */
  depthChanged(group: number, depth: number, now: number): void;
  /** Publishers were blocked (true) or released (false) by the broker. */
  publishingBlocked(blocked: boolean, now: number): void;
}

/** Passes every report to several observers, in order. */
export class ObserverFanout implements RunObserver {
  constructor(private readonly observers: readonly RunObserver[]) {}

  published(message: number, now: number): void {
    for (const o of this.observers) o.published(message, now);
  }
  accepted(message: number, now: number): void {
    for (const o of this.observers) o.accepted(message, now);
  }
  rejected(message: number, now: number): void {
    for (const o of this.observers) o.rejected(message, now);
  }
  delivered(message: number, group: number, consumer: number, queueWait: number, now: number): void {
    for (const o of this.observers) o.delivered(message, group, consumer, queueWait, now);
  }
  consumed(message: number, group: number, timesConsumed: number, now: number): void {
    for (const o of this.observers) o.consumed(message, group, timesConsumed, now);
  }
  depthChanged(group: number, depth: number, now: number): void {
    for (const o of this.observers) o.depthChanged(group, depth, now);
  }
  publishingBlocked(blocked: boolean, now: number): void {
    for (const o of this.observers) o.publishingBlocked(blocked, now);
  }
}
