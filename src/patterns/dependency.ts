import type { Simulation } from "../engine/simulation.js";
import { lengthened } from "../model/growable.js";
import { HeldIds } from "../model/held-ids.js";
import { IntRing } from "../model/int-ring.js";
import type { MessageColumn, MessageTable } from "../model/messages.js";
import type { Sampler } from "../random/distributions.js";
import type { Rng } from "../random/streams.js";
import type { DependencySpec, FailureKind } from "./spec.js";

/** How one call ended, as the caller sees it: `ok`, or why it failed. */
export type CallOutcome = "ok" | FailureKind;

/**
 * Who calls a dependency. Each call carries the caller's own number for it (a ticket): its answer comes once
 * with that number (never, for a call that hangs with no timeout), and an answer to a call its caller
 * abandoned is ignored there. Numbers, not a request object and closures per call: a call allocates nothing.
 */
export interface DependencyCaller {
  answer(ticket: number, outcome: CallOutcome): void;
  /** Applies `message`'s side effect as the consumer life `life` that made the call would have. */
  applyEffect(message: number, life: number): void;
}

/** One call: for which message, of which group and consumer life, and what it carries. */
export interface CallSpec {
  message: number;
  /** Which consumer group calls, so keys of different groups never collide. */
  group: number;
  /** The consumer life (incarnation) that makes the call: the one whose effect it applies. */
  life: number;
  /** Whether a successful call applies the message's side effect. */
  carriesEffect: boolean;
  /** The message id goes with the call as an idempotency key. */
  idempotencyKey: boolean;
}

/** What a dependency did over the run: plain numbers for summary.json. */
export interface DependencyFigures {
  calls: number;
  succeeded: number;
  /** Calls the service answered with an error (transient or permanent). */
  errors: number;
  transientErrors: number;
  permanentErrors: number;
  /** Calls whose client gave up waiting. */
  timeouts: number;
  /** Timed-out calls that carried a side effect: the caller cannot know whether it was applied. */
  unknownOutcomes: number;
  /** Of the unknown outcomes, those the service applied anyway. */
  appliedAfterTimeout: number;
  /** Calls refused without being served: over the concurrency limit, or during an outage. */
  refused: number;
  /** Side effects the service applied (every charge, repeats included). */
  effectsApplied: number;
  /** Effects the service skipped because it had seen the call's idempotency key before. */
  keyDeduplicated: number;
  peakConcurrency: number;
  /** Distinct messages that called it at least once. */
  messages: number;
}

/** What faults may do to a dependency. */
export interface DependencyFaults {
  readonly name: string;
  /** An outage: `refuse` answers every call at once with an error; `hang` never answers (only a timeout ends the wait). */
  outage: "refuse" | "hang" | null;
  /** Service latencies are multiplied by this (a slowdown). */
  slowdown: number;
  /** An extra fraction of served calls fails transiently (an error burst). */
  extraErrors: number;
}

/** The random draws of one dependency, each from its own stream. */
export interface DependencyDraws {
  latency: Sampler;
  errors: Rng;
  applied: Rng;
}

/** Calls and failed calls (errors, timeouts, refusals) per interval, for the dependency chart. */
export interface DependencySeries {
  intervalMicros: number;
  calls: number[];
  failures: number[];
}

/** Codes of a served call's outcome, kept until it completes. */
const OUTCOMES: readonly CallOutcome[] = ["ok", "transient", "permanent"];

/**
 * The calls a dependency has open, by call number (reused once a call is done with): the caller and its
 * ticket, what the call is for, when it began, whether its caller gave up waiting, its timeout event, and
 * the outcome a served call will complete with. Typed arrays, so a call allocates nothing once they have grown.
 * An open call's message is held (`held`): a call outlives its caller's wait (a timeout, a crash) and still
 * reads and changes the message when the service gets to it.
 */
class OpenCalls {
  caller: (DependencyCaller | undefined)[] = [];
  ticket = new Int32Array(16);
  message = new Int32Array(16);
  group = new Int32Array(16);
  life = new Int32Array(16);
  carriesEffect = new Uint8Array(16);
  idempotencyKey = new Uint8Array(16);
  abandoned = new Uint8Array(16);
  /** 1 for a call made during a `hang` outage: never served, so its timeout is the last anyone sees of it. */
  hung = new Uint8Array(16);
  startedAt = new Float64Array(16);
  timeoutEvent = new Float64Array(16);
  outcome = new Uint8Array(16);
  private readonly free = new IntRing(16);
  private used = 0;

  constructor(readonly held: HeldIds) {}

  open(caller: DependencyCaller, ticket: number, spec: CallSpec, now: number): number {
    const call = this.free.length > 0 ? this.free.shift() : this.grow();
    this.caller[call] = caller;
    this.ticket[call] = ticket;
    this.message[call] = spec.message;
    this.group[call] = spec.group;
    this.life[call] = spec.life;
    this.carriesEffect[call] = spec.carriesEffect ? 1 : 0;
    this.idempotencyKey[call] = spec.idempotencyKey ? 1 : 0;
    this.abandoned[call] = 0;
    this.hung[call] = 0;
    this.startedAt[call] = now;
    this.timeoutEvent[call] = -1;
    this.held.hold(spec.message);
    return call;
  }

  close(call: number): void {
    this.held.release(this.message[call]!);
    this.caller[call] = undefined;
    this.free.push(call);
  }

  private grow(): number {
    if (this.used === this.ticket.length) {
      const size = this.used * 2;
      this.ticket = lengthened(this.ticket, size);
      this.message = lengthened(this.message, size);
      this.group = lengthened(this.group, size);
      this.life = lengthened(this.life, size);
      this.carriesEffect = lengthened(this.carriesEffect, size);
      this.idempotencyKey = lengthened(this.idempotencyKey, size);
      this.abandoned = lengthened(this.abandoned, size);
      this.hung = lengthened(this.hung, size);
      this.startedAt = lengthened(this.startedAt, size);
      this.timeoutEvent = lengthened(this.timeoutEvent, size);
      this.outcome = lengthened(this.outcome, size);
    }
    return this.used++;
  }
}

/**
 * A downstream service. It serves up to `concurrency` calls at once; more wait
 * in line or are refused. A served call takes a latency draw; it then
 * succeeds or fails (transient or permanent) by independent draws, and a
 * successful call that carries the side effect applies it then. A client
 * timeout ends the caller's wait but not the service's work: the call keeps
 * its place and its slot until it completes, and its effect is applied with
 * probability `appliedOnTimeout` (the caller cannot tell which). A storm of
 * retries therefore queues behind the work it already gave up on.
 */
export class Dependency implements DependencyFaults {
  outage: "refuse" | "hang" | null = null;
  slowdown = 1;
  extraErrors = 0;
  private inService = 0;
  private readonly calls: OpenCalls;
  /** Calls waiting for a free slot of the service, oldest first. */
  private readonly line = new IntRing(16);
  /**
   * Per group, per message: 1 once the pair has called (for the `messages` figure), and 1 once the service
   * applied an effect under the pair's idempotency key. Columns of the message table, made at the first call
   * and key: a Set took an entry per message for the whole run.
   */
  private readonly called: (MessageColumn<Uint8Array> | undefined)[] = [];
  private readonly keysSeen: (MessageColumn<Uint8Array> | undefined)[] = [];
  private series: DependencySeries | null = null;
  private readonly onTimeout = (call: number): void => this.timedOut(call);
  private readonly onCompleted = (call: number): void => this.completed(call);
  readonly figures: DependencyFigures = {
    calls: 0,
    succeeded: 0,
    errors: 0,
    transientErrors: 0,
    permanentErrors: 0,
    timeouts: 0,
    unknownOutcomes: 0,
    appliedAfterTimeout: 0,
    refused: 0,
    keyDeduplicated: 0,
    effectsApplied: 0,
    peakConcurrency: 0,
    messages: 0,
  };

  constructor(
    readonly name: string,
    private readonly spec: DependencySpec,
    private readonly sim: Simulation,
    private readonly draws: DependencyDraws,
    /** The run's messages: what was called, and under which keys, is kept per message. */
    private readonly messages: MessageTable,
  ) {
    this.calls = new OpenCalls(new HeldIds(messages));
  }

  /**
   * The lowest message id of an open call (in line, in service, or hung until its timeout), +Infinity when
   * none is open: for retirement. A call whose caller stopped waiting still applies the effect later.
   */
  oldestHeld(): number {
    return this.calls.held.oldest();
  }

  /** Every open call's message (MessageHolder.forEachHeld). */
  forEachHeld(visit: (id: number) => void): void {
    this.calls.held.forEach(visit);
  }

  /** From now on, counts calls and failures per interval (only when the run records a time series). */
  recordSeries(intervalMicros: number): void {
    this.series = { intervalMicros, calls: [], failures: [] };
  }

  private tally(which: "calls" | "failures"): void {
    const series = this.series;
    if (series === null) return;
    const counts = series[which];
    const interval = Math.floor(this.sim.now / series.intervalMicros);
    while (counts.length <= interval) counts.push(0);
    counts[interval]!++;
  }

  /** `caller` calls, numbering the call `ticket`; the answer comes back with that number. */
  call(caller: DependencyCaller, ticket: number, spec: CallSpec): void {
    const figures = this.figures;
    figures.calls++;
    this.tally("calls");
    if (this.flag(this.called, spec.message, spec.group)) figures.messages++;
    const call = this.calls.open(caller, ticket, spec, this.sim.now);
    if (this.outage === "refuse") {
      this.refuse(call);
      return;
    }
    if (this.outage === "hang") {
      // Never served: only a timeout ends the wait, and without one nothing will ever look at the call again.
      this.calls.hung[call] = 1;
      if (!this.armTimeout(call)) this.calls.close(call);
      return;
    }
    const limit = this.spec.concurrency;
    if (limit !== null && this.inService >= limit) {
      if (this.spec.overflow === "refuse") this.refuse(call);
      else {
        this.armTimeout(call);
        this.line.push(call);
      }
      return;
    }
    this.serve(call);
  }

  private refuse(call: number): void {
    this.figures.refused++;
    this.tally("failures");
    this.answerAndClose(call, "refused");
  }

  /**
   * The client stops waiting `timeout` after the call began; the service, if it has the call, carries on.
   * False when there is no timeout.
   */
  private armTimeout(call: number): boolean {
    const timeout = this.spec.timeout;
    if (timeout === null) return false;
    const remaining = Math.max(0, this.calls.startedAt[call]! + timeout - this.sim.now);
    this.calls.timeoutEvent[call] = this.sim.schedule(remaining, this.onTimeout, call);
    return true;
  }

  private timedOut(call: number): void {
    const calls = this.calls;
    calls.timeoutEvent[call] = -1;
    calls.abandoned[call] = 1;
    this.figures.timeouts++;
    this.tally("failures");
    if (calls.carriesEffect[call] === 1) this.figures.unknownOutcomes++;
    // A call the service has (in line or in service) stays open until it completes; a hung one ends here.
    if (calls.hung[call] === 1) this.answerAndClose(call, "timeout");
    else calls.caller[call]!.answer(calls.ticket[call]!, "timeout");
  }

  private serve(call: number): void {
    const { figures, calls } = this;
    this.inService++;
    if (this.inService > figures.peakConcurrency) figures.peakConcurrency = this.inService;
    const latency = Math.round(this.draws.latency() * this.slowdown);
    const draw = this.draws.errors();
    const { transient, permanent } = this.spec.errors;
    const transientShare = Math.min(1, transient + this.extraErrors);
    calls.outcome[call] = draw < transientShare ? 1 : draw < transientShare + permanent ? 2 : 0;
    const timeout = this.spec.timeout;
    const answersInTime = timeout === null || this.sim.now + latency <= calls.startedAt[call]! + timeout;
    if (answersInTime && calls.timeoutEvent[call]! >= 0) {
      this.sim.cancel(calls.timeoutEvent[call]!);
      calls.timeoutEvent[call] = -1;
    } else if (!answersInTime && calls.timeoutEvent[call]! < 0 && calls.abandoned[call] === 0) this.armTimeout(call);
    this.sim.schedule(latency, this.onCompleted, call);
  }

  private completed(call: number): void {
    const calls = this.calls;
    this.inService--;
    const outcome = OUTCOMES[calls.outcome[call]!]!;
    if (outcome === "ok" && calls.carriesEffect[call] === 1) this.applyEffect(call);
    if (calls.abandoned[call] === 0) this.answered(call, outcome);
    else calls.close(call);
    this.serveNext();
  }

  private applyEffect(call: number): void {
    const calls = this.calls;
    if (calls.abandoned[call] === 1) {
      // The caller timed out: whether the service went on to apply the effect is the unknown outcome.
      if (this.draws.applied() >= this.spec.appliedOnTimeout) return;
      this.figures.appliedAfterTimeout++;
    }
    const message = calls.message[call]!;
    if (calls.idempotencyKey[call] === 1 && !this.flag(this.keysSeen, message, calls.group[call]!)) {
      this.figures.keyDeduplicated++;
      return;
    }
    this.figures.effectsApplied++;
    calls.caller[call]!.applyEffect(message, calls.life[call]!);
  }

  private answered(call: number, outcome: CallOutcome): void {
    const figures = this.figures;
    if (outcome === "ok") figures.succeeded++;
    else {
      figures.errors++;
      this.tally("failures");
      if (outcome === "transient") figures.transientErrors++;
      else figures.permanentErrors++;
    }
    this.answerAndClose(call, outcome);
  }

  /** The call's last word: it is closed first, so the caller may call again at once with the number free. */
  private answerAndClose(call: number, outcome: CallOutcome): void {
    const caller = this.calls.caller[call]!;
    const ticket = this.calls.ticket[call]!;
    this.calls.close(call);
    caller.answer(ticket, outcome);
  }

  private serveNext(): void {
    const limit = this.spec.concurrency;
    while (this.line.length > 0 && (limit === null || this.inService < limit)) this.serve(this.line.shift());
  }

  /** The calls and failures per interval, if recorded. */
  seriesRecorded(): DependencySeries | null {
    return this.series;
  }

  /** Sets the (message, group) pair's flag in `columns`; true if it was not set before. */
  private flag(columns: (MessageColumn<Uint8Array> | undefined)[], message: number, group: number): boolean {
    let column = columns[group];
    if (column === undefined) {
      column = this.messages.column((n) => new Uint8Array(n));
      columns[group] = column;
    }
    const row = this.messages.slot(message);
    if (column.values[row] === 1) return false;
    column.values[row] = 1;
    return true;
  }

  /** The figures at the end of the run. */
  finish(): DependencyFigures {
    return { ...this.figures };
  }
}
