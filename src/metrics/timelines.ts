import { withRoomFor } from "../model/growable.js";
import { IntMap } from "../model/int-map.js";

/** A step of a (group, message) pair's timeline kept for a repeated effect's counter-example. */
export interface TimelineStep {
  /** The failed attempt's number, or REDRIVE. */
  attempt: number;
  why: string;
  /** The wait before the next attempt (µs), or null: the policy gave up. */
  retryIn: number | null;
  consumer: number;
  at: number;
}

/** The `attempt` of a redrive from the dead-letter queue in a timeline. */
export const REDRIVE = 0;

/** No step: the end of a timeline, or of the free list. */
const NONE = -1;

/**
 * The timelines of (group, message) pairs in progress: each a list of steps in the order they happened, kept
 * until the message is consumed, dropped or dead-lettered. The steps live in typed arrays linked by index,
 * reused through a free list, and each group finds a message's first and last step in an IntMap: a Map entry,
 * an array and an object per failed attempt allocated on every retry of a busy run.
 */
export class Timelines {
  /** Per group: message → its first step, and its last. */
  private readonly firstStep: IntMap[];
  private readonly lastStep: IntMap[];
  private pairs = 0;
  private attempt = new Int32Array(64);
  /** The wait before the next attempt (µs), or -1: the policy gave up. */
  private retryIn = new Float64Array(64);
  private consumer = new Int32Array(64);
  private at = new Float64Array(64);
  /** The step after each one in its timeline (or in the free list), or NONE. */
  private nextStep = new Int32Array(64).fill(NONE);
  /** Each step's reason: a string kept by reference, so a slot reused allocates nothing. */
  private readonly why: string[] = [];
  private freeStep = NONE;
  /** Steps handed out so far; those below it that are free are on the free list. */
  private used = 0;

  constructor(groups: number) {
    this.firstStep = Array.from({ length: groups }, () => new IntMap());
    this.lastStep = Array.from({ length: groups }, () => new IntMap());
  }

  /** Whether any pair has a timeline: most runs have none, and then nothing else needs asking. */
  get empty(): boolean {
    return this.pairs === 0;
  }

  /** Adds a step (a TimelineStep's fields, in its order: no object per step) at the end of (message, group)'s timeline. */
  add(
    message: number,
    group: number,
    attempt: number,
    why: string,
    retryIn: number | null,
    consumer: number,
    at: number,
  ): void {
    const index = this.takeStep();
    this.attempt[index] = attempt;
    this.why[index] = why;
    this.retryIn[index] = retryIn ?? -1;
    this.consumer[index] = consumer;
    this.at[index] = at;
    this.nextStep[index] = NONE;
    const last = this.lastStep[group]!.get(message);
    if (last === undefined) {
      this.firstStep[group]!.set(message, index);
      this.pairs++;
    } else this.nextStep[last] = index;
    this.lastStep[group]!.set(message, index);
  }

  /** (message, group)'s timeline, oldest first (a new array: only for a counter-example). */
  steps(message: number, group: number): TimelineStep[] {
    const steps: TimelineStep[] = [];
    for (let index = this.firstStep[group]!.get(message) ?? NONE; index !== NONE; index = this.nextStep[index]!) {
      const retryIn = this.retryIn[index]!;
      steps.push({
        attempt: this.attempt[index]!,
        why: this.why[index]!,
        retryIn: retryIn < 0 ? null : retryIn,
        consumer: this.consumer[index]!,
        at: this.at[index]!,
      });
    }
    return steps;
  }

  /** Forgets (message, group)'s timeline: its steps go back to the free list. */
  forget(message: number, group: number): void {
    const first = this.firstStep[group]!.get(message);
    if (first === undefined) return;
    const last = this.lastStep[group]!.get(message)!;
    this.nextStep[last] = this.freeStep;
    this.freeStep = first;
    this.firstStep[group]!.delete(message);
    this.lastStep[group]!.delete(message);
    this.pairs--;
  }

  /** Forgets every timeline. */
  clear(): void {
    for (const steps of this.firstStep) steps.clear();
    for (const steps of this.lastStep) steps.clear();
    this.pairs = 0;
    this.freeStep = NONE;
    this.used = 0;
  }

  private takeStep(): number {
    if (this.freeStep !== NONE) {
      const index = this.freeStep;
      this.freeStep = this.nextStep[index]!;
      return index;
    }
    const index = this.used++;
    if (index >= this.attempt.length) {
      this.attempt = withRoomFor(this.attempt, index);
      this.retryIn = withRoomFor(this.retryIn, index);
      this.consumer = withRoomFor(this.consumer, index);
      this.at = withRoomFor(this.at, index);
      this.nextStep = withRoomFor(this.nextStep, index, NONE);
    }
    return index;
  }
}
