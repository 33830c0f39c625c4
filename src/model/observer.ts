/**
 * What the model reports as it runs. Metrics and checkers implement this and
 * only observe: they never change what the model does.
 */
export interface RunObserver {
  /** Called once before the run starts, with the table the message ids refer to. */
  watch?(messages: import("./messages.js").MessageTable): void;
  /** A producer created a message (its intended send time is `intendedAt` in the message table). */
  published(message: number, now: number): void;
  /** The broker accepted a message and confirms it to the producer. */
  accepted(message: number, now: number): void;
  /** The broker refused a message (a nack to the producer). */
  rejected(message: number, now: number): void;
  /** The broker handed a message to `consumer` (of `group`) for the `attempt`-th time, after `queueWait` in the queue. */
  delivered(message: number, group: number, consumer: number, attempt: number, queueWait: number, now: number): void;
  /** A consumer of `group` finished handling the message, for the `timesConsumed`-th time in that group. */
  consumed(message: number, group: number, consumer: number, timesConsumed: number, now: number): void;
  /** A consumer of `group` applied the message's side effect, for the `timesApplied`-th time in that group. */
  sideEffect(message: number, group: number, consumer: number, timesApplied: number, now: number): void;
  /** The broker gave up on a message for `group`: dead-lettered, or dropped if there is no dead-letter target. */
  deadLettered(message: number, group: number, reason: string, now: number): void;
  /** The broker discarded a message for `group` without telling anyone (overflow, expiry, eviction). */
  dropped(message: number, group: number, reason: string, now: number): void;
  /** The number of messages waiting in `group`'s queue changed. */
  depthChanged(group: number, depth: number, now: number): void;
  /** Publishers were blocked (true) or released (false) by the broker. */
  publishingBlocked(blocked: boolean, now: number): void;
  /** A fault began or ended. */
  fault(kind: string, target: string, began: boolean, now: number): void;
  /**
   * A processing attempt of a group with steps failed (src/patterns): `why` is the failure, `retryIn` the
   * wait before the next attempt (µs), or null when the policy gives up. Optional: only the trace listens.
   */
  attemptFailed?(
    message: number,
    group: number,
    consumer: number,
    attempt: number,
    why: string,
    retryIn: number | null,
    now: number,
  ): void;
  /**
   * A DLQ redrive moved a message `group` had dead-lettered back to the group's queue: it is no longer
   * dead-lettered, and the group expects it again. Optional: only scenarios with `redrive:` report it.
   */
  redriven?(message: number, group: number, now: number): void;
}

/** An observer that ignores everything: extend it and override only what you need. */
export class NullObserver implements RunObserver {
  published(_message: number, _now: number): void {}
  accepted(_message: number, _now: number): void {}
  rejected(_message: number, _now: number): void {}
  delivered(
    _message: number,
    _group: number,
    _consumer: number,
    _attempt: number,
    _queueWait: number,
    _now: number,
  ): void {}
  consumed(_message: number, _group: number, _consumer: number, _timesConsumed: number, _now: number): void {}
  sideEffect(_message: number, _group: number, _consumer: number, _timesApplied: number, _now: number): void {}
  deadLettered(_message: number, _group: number, _reason: string, _now: number): void {}
  dropped(_message: number, _group: number, _reason: string, _now: number): void {}
  depthChanged(_group: number, _depth: number, _now: number): void {}
  publishingBlocked(_blocked: boolean, _now: number): void {}
  fault(_kind: string, _target: string, _began: boolean, _now: number): void {}
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
  delivered(message: number, group: number, consumer: number, attempt: number, queueWait: number, now: number): void {
    for (const o of this.observers) o.delivered(message, group, consumer, attempt, queueWait, now);
  }
  consumed(message: number, group: number, consumer: number, timesConsumed: number, now: number): void {
    for (const o of this.observers) o.consumed(message, group, consumer, timesConsumed, now);
  }
  sideEffect(message: number, group: number, consumer: number, timesApplied: number, now: number): void {
    for (const o of this.observers) o.sideEffect(message, group, consumer, timesApplied, now);
  }
  deadLettered(message: number, group: number, reason: string, now: number): void {
    for (const o of this.observers) o.deadLettered(message, group, reason, now);
  }
  dropped(message: number, group: number, reason: string, now: number): void {
    for (const o of this.observers) o.dropped(message, group, reason, now);
  }
  depthChanged(group: number, depth: number, now: number): void {
    for (const o of this.observers) o.depthChanged(group, depth, now);
  }
  publishingBlocked(blocked: boolean, now: number): void {
    for (const o of this.observers) o.publishingBlocked(blocked, now);
  }
  fault(kind: string, target: string, began: boolean, now: number): void {
    for (const o of this.observers) o.fault(kind, target, began, now);
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
    for (const o of this.observers) o.attemptFailed?.(message, group, consumer, attempt, why, retryIn, now);
  }
  redriven(message: number, group: number, now: number): void {
    for (const o of this.observers) o.redriven?.(message, group, now);
  }
}

/** Two observers without a loop: the common case (metrics plus the checkers' witness) on the hot path. */
export class ObserverPair implements RunObserver {
  constructor(
    private readonly first: RunObserver,
    private readonly second: RunObserver,
  ) {}

  published(message: number, now: number): void {
    this.first.published(message, now);
    this.second.published(message, now);
  }
  accepted(message: number, now: number): void {
    this.first.accepted(message, now);
    this.second.accepted(message, now);
  }
  rejected(message: number, now: number): void {
    this.first.rejected(message, now);
    this.second.rejected(message, now);
  }
  delivered(message: number, group: number, consumer: number, attempt: number, queueWait: number, now: number): void {
    this.first.delivered(message, group, consumer, attempt, queueWait, now);
    this.second.delivered(message, group, consumer, attempt, queueWait, now);
  }
  consumed(message: number, group: number, consumer: number, timesConsumed: number, now: number): void {
    this.first.consumed(message, group, consumer, timesConsumed, now);
    this.second.consumed(message, group, consumer, timesConsumed, now);
  }
  sideEffect(message: number, group: number, consumer: number, timesApplied: number, now: number): void {
    this.first.sideEffect(message, group, consumer, timesApplied, now);
    this.second.sideEffect(message, group, consumer, timesApplied, now);
  }
  deadLettered(message: number, group: number, reason: string, now: number): void {
    this.first.deadLettered(message, group, reason, now);
    this.second.deadLettered(message, group, reason, now);
  }
  dropped(message: number, group: number, reason: string, now: number): void {
    this.first.dropped(message, group, reason, now);
    this.second.dropped(message, group, reason, now);
  }
  depthChanged(group: number, depth: number, now: number): void {
    this.first.depthChanged(group, depth, now);
    this.second.depthChanged(group, depth, now);
  }
  publishingBlocked(blocked: boolean, now: number): void {
    this.first.publishingBlocked(blocked, now);
    this.second.publishingBlocked(blocked, now);
  }
  fault(kind: string, target: string, began: boolean, now: number): void {
    this.first.fault(kind, target, began, now);
    this.second.fault(kind, target, began, now);
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
    this.first.attemptFailed?.(message, group, consumer, attempt, why, retryIn, now);
    this.second.attemptFailed?.(message, group, consumer, attempt, why, retryIn, now);
  }
  redriven(message: number, group: number, now: number): void {
    this.first.redriven?.(message, group, now);
    this.second.redriven?.(message, group, now);
  }
}
