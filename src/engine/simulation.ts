import { type EventHandler, EventQueue } from "./event-queue.js";

/**
 * The simulation kernel: an integer clock and a queue of callbacks.
 *
 * Time is an integer number of microseconds. Events that share an instant run
 * in (priority, scheduling order): deterministic, and documented in
 * docs/mechanisms.md. The kernel knows nothing about messages or brokers.
 */
export interface RunLimits {
  /** Stop before running any event later than this time (inclusive bound). */
  untilTime: number;
  /** Stop with an error after this many events: a runaway scenario must end. */
  maxEvents: number;
  /** Called every `progressEvery` events with the current time. */
  onProgress?: (now: number) => void;
  progressEvery?: number;
}

export type RunOutcome =
  | { kind: "drained"; events: number; now: number }
  | { kind: "time-limit"; events: number; now: number }
  | { kind: "stopped"; events: number; now: number };

/** A run stopped because it outgrew a budget the user set (or its default): bad input, not a bug. */
export class BudgetExceeded extends Error {}

export class EventBudgetExceeded extends BudgetExceeded {
  constructor(
    readonly maxEvents: number,
    readonly now: number,
  ) {
    super(`the simulation ran ${maxEvents} events without finishing (simulated time ${now} us)`);
  }
}

/** Priorities for events that share an instant; lower runs first. */
export const Priority = {
  /** Faults and control changes apply before ordinary work at the same instant. */
  control: 0,
  normal: 10,
} as const;

export class Simulation {
  private readonly queue = new EventQueue();
  private clock = 0;
  private eventsRun = 0;
  private stopRequested = false;

  get now(): number {
    return this.clock;
  }

  get events(): number {
    return this.eventsRun;
  }

  /** Events scheduled that will still run. */
  get pending(): number {
    return this.queue.live;
  }

  /** Runs `handler(arg)` after `delay` microseconds; returns an id for `cancel`. */
  schedule(delay: number, handler: EventHandler, arg = 0, priority: number = Priority.normal): number {
    if (!(delay >= 0) || !Number.isInteger(delay)) {
      throw new RangeError(`delay must be a non-negative integer number of microseconds, got ${delay}`);
    }
    return this.queue.push(this.clock + delay, handler, arg, priority);
  }

  /** Runs `handler(arg)` at absolute time `time` (not in the past). */
  at(time: number, handler: EventHandler, arg = 0, priority: number = Priority.normal): number {
    // The same check as schedule's, on the time itself: no subtraction and addition back per event.
    if (!(time >= this.clock) || !Number.isInteger(time))
      return this.schedule(time - this.clock, handler, arg, priority);
    return this.queue.push(time, handler, arg, priority);
  }

  /** Cancels a scheduled event; cancelling one that already ran, or was cancelled, is a no-op. */
  cancel(eventId: number): void {
    this.queue.cancel(eventId);
  }

  /** Asks the run loop to return after the current event. */
  stop(): void {
    this.stopRequested = true;
  }

  run(limits: RunLimits): RunOutcome {
    const queue = this.queue;
    const progressEvery = limits.progressEvery ?? 1 << 16;
    this.stopRequested = false;
    let untilProgress = progressEvery;
    for (;;) {
      // Cancelled timers at the head are dropped first: a run with only cancelled timers left has drained.
      // Events always have finite times (schedule refuses others), so Infinity means none is left.
      const next = queue.liveHeadTime();
      // Checked before the time bound so an untilTime of Infinity still ends when the queue drains.
      if (next === Number.POSITIVE_INFINITY) return { kind: "drained", events: this.eventsRun, now: this.clock };
      if (next > limits.untilTime) {
        this.clock = limits.untilTime;
        return { kind: "time-limit", events: this.eventsRun, now: this.clock };
      }
      // The budget allows exactly maxEvents events; only a further one is an error.
      if (this.eventsRun >= limits.maxEvents) throw new EventBudgetExceeded(limits.maxEvents, this.clock);
      // The head is live, so the event taken is not a cancelled one.
      const handler = queue.take();
      this.clock = queue.poppedTime;
      this.eventsRun++;
      handler(queue.poppedArg);
      if (this.stopRequested) return { kind: "stopped", events: this.eventsRun, now: this.clock };
      if (--untilProgress === 0) {
        untilProgress = progressEvery;
        limits.onProgress?.(this.clock);
      }
    }
  }
}
