import type { Simulation } from "../engine/simulation.js";
import type { Sampler } from "../random/distributions.js";
import type { Rng } from "../random/streams.js";
import type { DependencySpec, FailureKind } from "./spec.js";

/** How one call ended, as the caller sees it: `ok`, or why it failed. */
export type CallOutcome = "ok" | FailureKind;

/** One call, from the caller. `answer` comes once; an answer to a call its caller abandoned is ignored there. */
export interface CallRequest {
  /** The message the call is made for: the idempotency key, and the amplification count. */
  message: number;
  /** Which consumer group calls, so keys of different groups never collide. */
  group: number;
  /** Applies the message's side effect (null: the call carries none). */
  applyEffect: (() => void) | null;
  /** The message id goes with the call as an idempotency key. */
  idempotencyKey: boolean;
  answer(outcome: CallOutcome): void;
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

interface Waiting {
  request: CallRequest;
  startedAt: number;
  /** Set once the client's timeout fired: the call stays in line (the service does not know) but nobody waits for it. */
  abandoned: boolean;
  timeoutEvent: number;
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
  private readonly line: Waiting[] = [];
  private lineHead = 0;
  private readonly callers = new Set<number>();
  private readonly keysSeen = new Set<number>();
  private series: DependencySeries | null = null;
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
    /** Consumer groups in the run, to key idempotency keys by (message, group). */
    private readonly groups: number,
  ) {}

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

  call(request: CallRequest): void {
    const figures = this.figures;
    figures.calls++;
    this.tally("calls");
    this.callers.add(request.message * this.groups + request.group);
    const waiting: Waiting = { request, startedAt: this.sim.now, abandoned: false, timeoutEvent: -1 };
    if (this.outage === "refuse") {
      this.refuse(request);
      return;
    }
    if (this.outage === "hang") {
      this.armTimeout(waiting);
      return;
    }
    const limit = this.spec.concurrency;
    if (limit !== null && this.inService >= limit) {
      if (this.spec.overflow === "refuse") this.refuse(request);
      else {
        this.armTimeout(waiting);
        this.line.push(waiting);
      }
      return;
    }
    this.serve(waiting);
  }

  private refuse(request: CallRequest): void {
    this.figures.refused++;
    this.tally("failures");
    request.answer("refused");
  }

  /** The client stops waiting `timeout` after the call began; the service, if it has the call, carries on. */
  private armTimeout(waiting: Waiting): void {
    const timeout = this.spec.timeout;
    if (timeout === null) return;
    const remaining = Math.max(0, waiting.startedAt + timeout - this.sim.now);
    waiting.timeoutEvent = this.sim.schedule(remaining, () => this.timedOut(waiting));
  }

  private timedOut(waiting: Waiting): void {
    waiting.abandoned = true;
    this.figures.timeouts++;
    this.tally("failures");
    if (waiting.request.applyEffect !== null) this.figures.unknownOutcomes++;
    waiting.request.answer("timeout");
  }

  private serve(waiting: Waiting): void {
    const figures = this.figures;
    this.inService++;
    if (this.inService > figures.peakConcurrency) figures.peakConcurrency = this.inService;
    const latency = Math.round(this.draws.latency() * this.slowdown);
    const draw = this.draws.errors();
    const { transient, permanent } = this.spec.errors;
    const transientShare = Math.min(1, transient + this.extraErrors);
    const outcome: CallOutcome =
      draw < transientShare ? "transient" : draw < transientShare + permanent ? "permanent" : "ok";
    const timeout = this.spec.timeout;
    const answersInTime = timeout === null || this.sim.now + latency <= waiting.startedAt + timeout;
    if (answersInTime && waiting.timeoutEvent >= 0) {
      this.sim.cancel(waiting.timeoutEvent);
      waiting.timeoutEvent = -1;
    } else if (!answersInTime && waiting.timeoutEvent < 0 && !waiting.abandoned) this.armTimeout(waiting);
    this.sim.schedule(latency, () => this.completed(waiting, outcome));
  }

  private completed(waiting: Waiting, outcome: CallOutcome): void {
    this.inService--;
    const { request } = waiting;
    if (outcome === "ok" && request.applyEffect !== null) this.applyEffect(waiting);
    if (!waiting.abandoned) this.answered(request, outcome);
    this.serveNext();
  }

  private applyEffect(waiting: Waiting): void {
    const { request } = waiting;
    if (waiting.abandoned) {
      // The caller timed out: whether the service went on to apply the effect is the unknown outcome.
      if (this.draws.applied() >= this.spec.appliedOnTimeout) return;
      this.figures.appliedAfterTimeout++;
    }
    if (request.idempotencyKey) {
      const key = request.message * this.groups + request.group;
      if (this.keysSeen.has(key)) {
        this.figures.keyDeduplicated++;
        return;
      }
      this.keysSeen.add(key);
    }
    this.figures.effectsApplied++;
    request.applyEffect!();
  }

  private answered(request: CallRequest, outcome: CallOutcome): void {
    const figures = this.figures;
    if (outcome === "ok") figures.succeeded++;
    else {
      figures.errors++;
      this.tally("failures");
      if (outcome === "transient") figures.transientErrors++;
      else figures.permanentErrors++;
    }
    request.answer(outcome);
  }

  private serveNext(): void {
    const limit = this.spec.concurrency;
    while (this.lineHead < this.line.length && (limit === null || this.inService < limit)) {
      const next = this.line[this.lineHead++]!;
      this.serve(next);
    }
    if (this.lineHead > 1024 && this.lineHead * 2 > this.line.length) {
      this.line.splice(0, this.lineHead);
      this.lineHead = 0;
    }
  }

  /** The calls and failures per interval, if recorded. */
  seriesRecorded(): DependencySeries | null {
    return this.series;
  }

  /** The figures at the end of the run. */
  finish(): DependencyFigures {
    this.figures.messages = this.callers.size;
    return { ...this.figures };
  }
}
