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
  /** The broker handed a message to a consumer of `group`. */
  delivered(message: number, group: number, queueWait: number, now: number): void;
  /** A consumer of `group` finished processing and acknowledged the message, for the `timesConsumed`-th time. */
  consumed(message: number, group: number, timesConsumed: number, now: number): void;
  /** The number of messages waiting in `group`'s queue changed. */
  depthChanged(group: number, depth: number, now: number): void;
  /** Publishers were blocked (true) or released (false) by the broker. */
  publishingBlocked(blocked: boolean, now: number): void;
}
