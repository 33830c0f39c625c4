/** A circuit breaker's settings, normalized (µs, shares in [0, 1]). */
export interface BreakerSpec {
  /** The sliding window of recent calls: the last `size` calls, or the calls of the last `length` µs. */
  window: { type: "count"; size: number } | { type: "time"; length: number };
  /** Open when the window's failure share reaches this (with at least `minimumCalls` in it); null: use `consecutiveFailures`. */
  failureRate: number | null;
  minimumCalls: number;
  /** Open on this many failures in a row; null: use `failureRate`. */
  consecutiveFailures: number | null;
  /** How long it stays open before letting probes through (µs). */
  openFor: number;
  /** Probes let through while half-open; their failure share decides between closed and open again. */
  halfOpenCalls: number;
  /** What a consumer does with a message while the breaker refuses its call. */
  whileOpen: "fail-fast" | "pause" | "nack";
  /** One breaker shared by the group's instances, or one per instance (as Resilience4j keeps one per process). */
  scope: "group" | "instance";
}

export type BreakerState = "closed" | "open" | "half-open";

/** What a breaker did over the run: plain numbers for summary.json. */
export interface BreakerFigures {
  /** Times it went closed → open or half-open → open. */
  opened: number;
  halfOpened: number;
  closed: number;
  /** Calls it refused while open (or beyond the probes while half-open). */
  callsRefused: number;
  /** Time spent open or half-open (µs), up to the end of the run. */
  openMicros: number;
  /** Every change of state, in order: for the breaker-state chart. */
  transitions: { at: number; state: BreakerState }[];
}

/**
 * A circuit breaker around one dependency, as Resilience4j's CircuitBreaker
 * works: closed, it records each call's outcome in a sliding window (count or
 * time based) and opens when the failure rate reaches the threshold over at
 * least `minimumCalls` calls, or on the N-th consecutive failure; open, it
 * refuses calls for `openFor`; then, half-open, it lets `halfOpenCalls`
 * probes through and closes if their failure rate is below the threshold
 * (with a consecutive threshold: if none failed), else opens again. Like
 * Resilience4j without automaticTransitionFromOpenToHalfOpenEnabled, it turns
 * half-open on the first call asked for after `openFor`.
 */
export class CircuitBreaker {
  state: BreakerState = "closed";
  private openedAt = 0;
  private consecutive = 0;
  /** The window's calls: each one's outcome and when it was recorded. */
  private readonly calls = new CallWindow();
  private failuresInWindow = 0;
  private probesLeft = 0;
  private probeResults = 0;
  private probeFailures = 0;
  readonly figures: BreakerFigures = {
    opened: 0,
    halfOpened: 0,
    closed: 0,
    callsRefused: 0,
    openMicros: 0,
    transitions: [],
  };

  constructor(
    readonly name: string,
    readonly spec: BreakerSpec,
  ) {}

  /** Whether a call may go through now; a refused call is counted, unless `again` (a paused message asking anew). */
  permits(now: number, again = false): boolean {
    if (this.state === "open" && now >= this.openedAt + this.spec.openFor) this.moveTo("half-open", now);
    if (this.state === "closed") return true;
    if (this.state === "half-open" && this.probesLeft > 0) {
      this.probesLeft--;
      return true;
    }
    if (!again) this.figures.callsRefused++;
    return false;
  }

  /** When a refused call could next be let through (the end of the open period), for `pause`. */
  get reopensAt(): number {
    return this.openedAt + this.spec.openFor;
  }

  /** The outcome of a call it let through. */
  record(now: number, failed: boolean): void {
    if (this.state === "half-open") {
      this.probeResults++;
      if (failed) this.probeFailures++;
      this.judgeProbes(now);
      return;
    }
    if (this.state !== "closed") return;
    this.consecutive = failed ? this.consecutive + 1 : 0;
    this.remember(now, failed);
    if (this.trips()) this.moveTo("open", now);
  }

  private judgeProbes(now: number): void {
    const { consecutiveFailures, failureRate, halfOpenCalls } = this.spec;
    if (consecutiveFailures !== null) {
      if (this.probeFailures > 0) this.moveTo("open", now);
      else if (this.probeResults >= halfOpenCalls) this.moveTo("closed", now);
      return;
    }
    if (this.probeResults < halfOpenCalls) return;
    this.moveTo(this.probeFailures / this.probeResults >= failureRate! ? "open" : "closed", now);
  }

  private trips(): boolean {
    const { consecutiveFailures, failureRate, minimumCalls } = this.spec;
    if (consecutiveFailures !== null) return this.consecutive >= consecutiveFailures;
    const calls = this.calls.length;
    return calls >= minimumCalls && this.failuresInWindow / calls >= failureRate!;
  }

  private remember(now: number, failed: boolean): void {
    const window = this.spec.window;
    const calls = this.calls;
    calls.push(now, failed);
    if (failed) this.failuresInWindow++;
    let drop = 0;
    if (window.type === "count") drop = Math.max(0, calls.length - window.size);
    else while (drop < calls.length && calls.timeAt(drop) <= now - window.length) drop++;
    if (drop > 0) this.failuresInWindow -= calls.dropOldest(drop);
  }

  private moveTo(state: BreakerState, now: number): void {
    const figures = this.figures;
    if (this.state !== "closed" && state === "closed") figures.openMicros += now - this.openedAtFirst;
    if (state === "open") {
      if (this.state === "closed") this.openedAtFirst = now;
      this.openedAt = now;
      figures.opened++;
    } else if (state === "half-open") {
      figures.halfOpened++;
      this.probesLeft = this.spec.halfOpenCalls;
      this.probeResults = 0;
      this.probeFailures = 0;
    } else {
      figures.closed++;
      this.consecutive = 0;
      this.calls.clear();
      this.failuresInWindow = 0;
    }
    this.state = state;
    figures.transitions.push({ at: now, state });
  }

  /** When the current stretch of open and half-open began. */
  private openedAtFirst = 0;

  /** The figures at the end of the run (`now`), counting a stretch still open. */
  finish(now: number): BreakerFigures {
    const open = this.state === "closed" ? 0 : now - this.openedAtFirst;
    return { ...this.figures, openMicros: this.figures.openMicros + open, transitions: [...this.figures.transitions] };
  }
}

/**
 * The calls in a breaker's sliding window, oldest first: a ring of outcomes and times, so recording a call
 * and dropping the oldest allocate nothing and copy nothing (copying the window per call cost some 1.7 KB per
 * event on payments-outage-breaker).
 */
class CallWindow {
  private failed = new Uint8Array(16);
  private times = new Float64Array(16);
  private head = 0;
  length = 0;

  push(time: number, failed: boolean): void {
    if (this.length === this.times.length) this.grow();
    const at = (this.head + this.length) & (this.times.length - 1);
    this.times[at] = time;
    this.failed[at] = failed ? 1 : 0;
    this.length++;
  }

  timeAt(k: number): number {
    return this.times[(this.head + k) & (this.times.length - 1)]!;
  }

  /** Drops the oldest `count` calls; returns how many of them failed. */
  dropOldest(count: number): number {
    let failures = 0;
    for (let k = 0; k < count; k++) failures += this.failed[(this.head + k) & (this.times.length - 1)]!;
    this.head = (this.head + count) & (this.times.length - 1);
    this.length -= count;
    return failures;
  }

  clear(): void {
    this.head = 0;
    this.length = 0;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    const failed = new Uint8Array(this.times.length * 2);
    for (let k = 0; k < this.length; k++) {
      const from = (this.head + k) & (this.times.length - 1);
      times[k] = this.times[from]!;
      failed[k] = this.failed[from]!;
    }
    this.times = times;
    this.failed = failed;
    this.head = 0;
  }
}
