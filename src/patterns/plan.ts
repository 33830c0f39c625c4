import type { Simulation } from "../engine/simulation.js";
import { lengthened } from "../model/growable.js";
import { IntRing } from "../model/int-ring.js";
import type { GiveUp, ProcessingHost, ProcessingPlan } from "../model/processing.js";
import type { Sampler } from "../random/distributions.js";
import type { Rng } from "../random/streams.js";
import { backoffDelay } from "./backoff.js";
import type { CircuitBreaker } from "./breaker.js";
import type { CallOutcome, CallSpec, Dependency, DependencyCaller } from "./dependency.js";
import { countPermit, type Limiter, type LimiterFigures } from "./limiter.js";
import type { RetryFigures } from "./retry-figures.js";
import type { FailureKind, RetryPolicy } from "./spec.js";

/** A step as the runner executes it: a sampler for local work, or the dependency to call. */
export type RunnableStep =
  | { kind: "work"; duration: Sampler }
  | {
      kind: "call";
      dependency: Dependency;
      sideEffect: boolean;
      idempotencyKey: boolean;
      /** The group's circuit breaker around this dependency, if it declares one. */
      breaker: CircuitBreaker | null;
    };

export interface StepRunnerOptions {
  sim: Simulation;
  group: number;
  steps: readonly RunnableStep[];
  retry: RetryPolicy;
  /** The instance's jitter stream (`consumer:<name>:retry-jitter`). */
  jitter: Rng;
  /** Shared by the group's instances. */
  figures: RetryFigures;
  /** The rate limiter a message must get a permit from before processing starts, if the group has one. */
  limiterOf: ((message: number) => Limiter) | null;
  /** The group's limiter figures (shared by its instances). */
  limiterFigures: LimiterFigures | null;
}

/** How long a call refused by an open breaker takes to fail: one microsecond, the clock's smallest step. */
const REFUSAL_MICROS = 1;

const GIVE_UP_FIGURE: Record<GiveUp, "nacked" | "deadLettered" | "dropped" | "parked"> = {
  nack: "nacked",
  "dead-letter": "deadLettered",
  drop: "dropped",
  park: "parked",
};

/**
 * Runs one consumer instance's processing as steps, with its group's retry
 * policy. State is kept per slot (one delivery the consumer holds) in arrays.
 * Every answer and timer carries the slot's token at the time it was asked
 * for; a crash (abandon) or a new delivery in the slot moves the token on,
 * so anything still arriving for the old work is ignored.
 */
export class StepRunner implements ProcessingPlan {
  private host!: ProcessingHost;
  private token = new Int32Array(8);
  private step = new Int32Array(8);
  private attempt = new Int32Array(8);
  private effectDone = new Uint8Array(8);
  private message = new Int32Array(8);
  private previousSleep = new Float64Array(8);
  private timer = new Float64Array(8).fill(-1);
  /** 1 while the slot's message waits for a breaker (`whileOpen: pause`): asking again is not a new refusal. */
  private paused = new Uint8Array(8);
  private readonly retryable: Set<FailureKind>;
  private readonly maxAttempts: number;
  /** Per failure kind, the give-up reason by attempts (giveUpReason). */
  private readonly giveUpReasons = new Map<FailureKind, string[]>();
  /** `retry: {via: broker}`: a retry is a new delivery, and the attempt number is the broker's receive count. */
  private readonly viaBroker: boolean;

  /** The calls made and not yet answered, by the ticket each went with. */
  private readonly tickets = new CallTickets();
  /** Filled in for each call: the dependency copies it at once. */
  private readonly request: CallSpec;
  /** How this runner's calls reach it back: their answers, and the effects of the successful ones. */
  private readonly caller: DependencyCaller = {
    answer: (ticket, outcome) => this.callAnswered(ticket, outcome),
    // The effect is the message's, applied as the consumer life that made the call, whenever the service gets to it.
    applyEffect: (message, life) => this.host.applyEffect(message, life),
  };

  constructor(private readonly options: StepRunnerOptions) {
    this.request = { message: 0, group: options.group, life: 0, carriesEffect: false, idempotencyKey: false };
    this.retryable = new Set(options.retry.retryOn);
    this.viaBroker = options.retry.via === "broker";
    this.maxAttempts = options.retry.maxAttempts ?? Number.POSITIVE_INFINITY;
  }

  /** Binds the runner to its consumer; `Consumer` calls it through `ConsumerOptions.plan`. */
  attach(host: ProcessingHost): this {
    this.host = host;
    return this;
  }

  begin(slot: number, message: number): void {
    this.ensure(slot);
    this.token[slot]!++;
    this.step[slot] = 0;
    this.attempt[slot] = this.viaBroker ? this.host.receiveCount(slot) : 1;
    this.effectDone[slot] = 0;
    this.message[slot] = message;
    this.previousSleep[slot] = 0;
    this.paused[slot] = 0;
    const { limiterOf, limiterFigures, sim } = this.options;
    const wait = limiterOf === null ? 0 : limiterOf(message).reserve(sim.now);
    if (limiterFigures !== null) countPermit(limiterFigures, wait);
    // Waiting for a permit holds the slot, as a worker blocked in RateLimiter.acquire() does.
    if (wait > 0) this.timer[slot] = sim.schedule(wait, this.timerFired, slot);
    else this.runStep(slot);
  }

  abandon(slot: number): void {
    if (slot >= this.token.length) return;
    this.token[slot]!++;
    if (this.timer[slot]! >= 0) this.options.sim.cancel(this.timer[slot]!);
    this.timer[slot] = -1;
  }

  private readonly timerFired = (slot: number): void => {
    this.timer[slot] = -1;
    this.runStep(slot);
  };

  private readonly refusalDue = (slot: number): void => {
    this.timer[slot] = -1;
    const step = this.options.steps[this.step[slot]!]!;
    if (step.kind === "work" || step.breaker === null) throw new Error("invariant: a refusal without a breaker");
    this.refusedByBreaker(slot, step.breaker);
  };

  private readonly workDone = (slot: number): void => {
    this.timer[slot] = -1;
    this.step[slot]!++;
    this.runStep(slot);
  };

  private runStep(slot: number): void {
    const index = this.step[slot]!;
    const { steps, sim } = this.options;
    if (index === steps.length) {
      this.finished(slot);
      this.host.completed(slot, this.effectDone[slot] === 1);
      return;
    }
    const step = steps[index]!;
    if (step.kind === "work") {
      const duration = Math.round(step.duration() * this.host.slowdown);
      this.timer[slot] = sim.schedule(duration, this.workDone, slot);
      return;
    }
    const breaker = step.breaker;
    if (breaker !== null && !breaker.permits(sim.now, this.paused[slot] === 1)) {
      // Failing takes the clock's smallest step, not none: a refused message nacked back to a broker that
      // redelivers at once would otherwise loop forever at one instant (a requeue storm that must cost time).
      if (breaker.spec.whileOpen === "pause") this.refusedByBreaker(slot, breaker);
      else this.timer[slot] = sim.schedule(REFUSAL_MICROS, this.refusalDue, slot);
      return;
    }
    this.paused[slot] = 0;
    const request = this.request;
    request.message = this.message[slot]!;
    request.life = this.host.lifeOf(slot);
    request.carriesEffect = step.sideEffect;
    request.idempotencyKey = step.idempotencyKey;
    step.dependency.call(this.caller, this.tickets.open(slot, this.token[slot]!, index), request);
  }

  /** A call's answer: the breaker hears it whoever still waits; the slot, only if it still holds that work. */
  private callAnswered(ticket: number, outcome: CallOutcome): void {
    const { slot, token, step: index } = this.tickets.close(ticket);
    const step = this.options.steps[index]!;
    if (step.kind !== "call") throw new Error("invariant: an answer to a step that makes no call");
    // The breaker hears every outcome it let through, even one its caller no longer waits for.
    step.breaker?.record(this.options.sim.now, outcome !== "ok");
    if (this.token[slot] === token) this.answered(slot, step.sideEffect, outcome);
  }

  private answered(slot: number, sideEffect: boolean, outcome: CallOutcome): void {
    if (outcome === "ok") {
      if (sideEffect) this.effectDone[slot] = 1;
      this.step[slot]!++;
      this.runStep(slot);
      return;
    }
    this.failed(slot, outcome);
  }

  /**
   * The breaker refused the call. fail-fast: a failure like any other, for the retry policy; nack: the
   * message goes back to the broker at once; pause: the message waits, without using an attempt, until
   * the breaker lets calls through again (polled every millisecond while its probes are out).
   */
  private refusedByBreaker(slot: number, breaker: CircuitBreaker): void {
    const { sim, figures } = this.options;
    switch (breaker.spec.whileOpen) {
      case "fail-fast":
        this.failed(slot, "breaker-open");
        return;
      case "nack":
        this.finished(slot);
        figures.gaveUp++;
        figures.nacked++;
        this.host.gaveUp(slot, "nack", `circuit breaker ${breaker.name} open`);
        return;
      case "pause":
        this.paused[slot] = 1;
        this.timer[slot] = sim.schedule(Math.max(breaker.reopensAt - sim.now, 1000), this.timerFired, slot);
        return;
    }
  }

  private failed(slot: number, why: FailureKind): void {
    const { retry, figures, sim } = this.options;
    const attempt = this.attempt[slot]!;
    if (!this.retryable.has(why) || attempt >= this.maxAttempts) {
      this.host.attemptFailed(slot, attempt, why, null);
      this.finished(slot);
      figures.gaveUp++;
      figures[GIVE_UP_FIGURE[retry.onExhausted]]++;
      this.host.gaveUp(slot, retry.onExhausted, this.giveUpReason(why, attempt));
      return;
    }
    if (this.viaBroker) {
      this.retryViaBroker(slot, attempt, why);
      return;
    }
    this.attempt[slot] = attempt + 1;
    figures.retries++;
    if (retry.scope === "handler") this.step[slot] = 0;
    const sleep = backoffDelay(retry.backoff, attempt, this.previousSleep[slot]!, this.options.jitter);
    this.previousSleep[slot] = sleep;
    figures.backoffMicros += sleep;
    this.host.attemptFailed(slot, attempt, why, sleep);
    this.timer[slot] = sim.schedule(sleep, this.timerFired, slot);
  }

  /** Why the policy gave up, written once per (failure, attempts), where a give-up built its sentence each time. */
  private giveUpReason(why: FailureKind, attempt: number): string {
    let reasons = this.giveUpReasons.get(why);
    if (reasons === undefined) {
      reasons = [];
      this.giveUpReasons.set(why, reasons);
    }
    reasons[attempt] ??= `${why} after ${attempt} attempt${attempt === 1 ? "" : "s"}`;
    return reasons[attempt]!;
  }

  /**
   * `via: broker`: the consumer hands the message back and the broker delivers it again when the backoff
   * ends (the next attempt). Nothing carries the previous wait, so decorrelated jitter is refused for it.
   */
  private retryViaBroker(slot: number, attempt: number, why: FailureKind): void {
    const { retry, figures, jitter } = this.options;
    const delay = backoffDelay(retry.backoff, attempt, 0, jitter);
    figures.retries++;
    figures.viaBroker = (figures.viaBroker ?? 0) + 1;
    figures.backoffMicros += delay;
    this.host.attemptFailed(slot, attempt, why, delay);
    this.host.retryLater(slot, delay);
  }

  /** Counts the delivery's attempts once its processing ends, either way. */
  private finished(slot: number): void {
    const figures = this.options.figures;
    const attempts = this.attempt[slot]!;
    figures.processed++;
    while (figures.attempts.length <= attempts) figures.attempts.push(0);
    figures.attempts[attempts]!++;
  }

  private ensure(slot: number): void {
    if (slot < this.token.length) return;
    const size = Math.max(slot + 1, this.token.length * 2);
    this.token = lengthened(this.token, size);
    this.step = lengthened(this.step, size);
    this.attempt = lengthened(this.attempt, size);
    this.effectDone = lengthened(this.effectDone, size);
    this.message = lengthened(this.message, size);
    this.previousSleep = lengthened(this.previousSleep, size);
    this.timer = lengthened(this.timer, size, -1);
    this.paused = lengthened(this.paused, size);
  }
}

/** What a call's answer must find again: the slot that made it, the slot's token then, and the step's index. */
class CallTickets {
  private slot = new Int32Array(16);
  private token = new Int32Array(16);
  private step = new Int32Array(16);
  private readonly free = new IntRing(16);
  private used = 0;
  /** What `close` hands back; reused, so closing allocates nothing (read it before the next close). */
  private readonly closed = { slot: 0, token: 0, step: 0 };

  open(slot: number, token: number, step: number): number {
    const ticket = this.free.length > 0 ? this.free.shift() : this.grow();
    this.slot[ticket] = slot;
    this.token[ticket] = token;
    this.step[ticket] = step;
    return ticket;
  }

  close(ticket: number): { slot: number; token: number; step: number } {
    const closed = this.closed;
    closed.slot = this.slot[ticket]!;
    closed.token = this.token[ticket]!;
    closed.step = this.step[ticket]!;
    this.free.push(ticket);
    return closed;
  }

  private grow(): number {
    if (this.used === this.slot.length) {
      const size = this.used * 2;
      this.slot = lengthened(this.slot, size);
      this.token = lengthened(this.token, size);
      this.step = lengthened(this.step, size);
    }
    return this.used++;
  }
}
