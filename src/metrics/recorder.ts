import type { DeliveryTable } from "../model/deliveries.js";
import { Fate, type MessageTable } from "../model/messages.js";
import { NullObserver } from "../model/observer.js";
import { LatencyStats } from "./latency.js";
import type { TimeSeriesRecorder } from "./timeseries.js";

export interface Counts {
  published: number;
  accepted: number;
  rejected: number;
  deliveries: number;
  /** Deliveries after the first of the same message to the same group. */
  redeliveries: number;
  /** (message, group) pairs consumed at least once. */
  consumed: number;
  /** (message, group) pairs consumed more than once. */
  duplicated: number;
  /** (message, group) pairs whose side effect was applied more than once (idempotent effects excepted). */
  sideEffectsRepeated: number;
  /** (message, group) pairs dead-lettered (by the broker or the retry policy) and not redriven since. */
  deadLettered: number;
  /** (message, group) pairs the broker discarded silently (overflow, expiry, crash). */
  dropped: number;
  /** Publishes of a message the broker had already accepted (producer retries after a lost confirm). */
  republished: number;
  /** Retried publishes the broker recognized and did not take again (idempotent producer, dedup window). */
  deduplicated: number;
}

/** Counters, latency histograms and backpressure figures, reduced from the model's events as they happen. */
export class MetricsRecorder extends NullObserver {
  readonly counts: Counts = {
    published: 0,
    accepted: 0,
    rejected: 0,
    deliveries: 0,
    redeliveries: 0,
    consumed: 0,
    duplicated: 0,
    sideEffectsRepeated: 0,
    deadLettered: 0,
    dropped: 0,
    republished: 0,
    deduplicated: 0,
  };
  /** From the producer's intended send time to the consumer's ack, first consumption only. */
  readonly endToEnd = new LatencyStats();
  /** From acceptance by the broker to the first delivery to a consumer. */
  readonly queueWait = new LatencyStats();
  maxDepth = 0;
  /** The most accepted messages any group had not yet consumed (or given up on) at once. */
  maxLag = 0;
  private readonly lag: number[];
  blockedMicros = 0;
  /** First consumptions up to the end of `duration`: the sustained rate, not diluted by the drain. */
  consumedDuringRun = 0;
  /** Latency samples discarded because their message was published during the warm-up. */
  warmupDiscarded = 0;
  private blockedSince = -1;
  /** The time series this recorder feeds, when the run records one (`recordSeries`). */
  private series: TimeSeriesRecorder | null = null;
  /** Where the series' current interval ends (never, without a series): the one comparison each event makes. */
  private seriesEnd = Number.POSITIVE_INFINITY;

  constructor(
    private readonly messages: MessageTable,
    /** Per group: whether applying an effect twice counts as a repeat (false for naturally idempotent effects). */
    private readonly repeatsMatter: readonly boolean[],
    /** Messages intended before this time (microseconds) give no latency samples. */
    private readonly warmup = 0,
    private readonly duration = Number.POSITIVE_INFINITY,
  ) {
    super();
    this.lag = repeatsMatter.map(() => 0);
  }

  /**
   * Feeds `series` from here on: its counts are this recorder's, read per interval, so recording it
   * costs no observer of its own and no second pass over each event.
   */
  recordSeries(series: TimeSeriesRecorder, deliveries: DeliveryTable): void {
    this.series = series;
    this.seriesEnd = series.end;
    series.readFrom(this.counts, this.lag, deliveries);
  }

  /** Closes the series' intervals that end at or before `now`, before the event at `now` is counted. */
  private rollover(now: number): void {
    this.series!.advance(now);
    this.seriesEnd = this.series!.end;
  }

  override published(_message: number, now: number): void {
    if (now >= this.seriesEnd) this.rollover(now);
    this.counts.published++;
  }

  override accepted(message: number, now: number): void {
    if (now >= this.seriesEnd) this.rollover(now);
    this.counts.accepted++;
    for (let group = 0; group < this.lag.length; group++) {
      // A group the exchange did not route the message to never expects it.
      if (this.messages.fate[group]![this.messages.slot(message)] === Fate.notRouted) continue;
      const lag = ++this.lag[group]!;
      if (lag > this.maxLag) this.maxLag = lag;
    }
  }

  override rejected(_message: number, now: number): void {
    if (now >= this.seriesEnd) this.rollover(now);
    this.counts.rejected++;
  }

  override delivered(
    message: number,
    _group: number,
    _consumer: number,
    attempt: number,
    queueWait: number,
    now: number,
  ): void {
    if (now >= this.seriesEnd) this.rollover(now);
    this.counts.deliveries++;
    if (attempt > 1) this.counts.redeliveries++;
    // Queue wait is the first delivery's: a redelivery's wait would include the earlier attempt.
    if (attempt > 1) return;
    if (this.messages.intendedAt[this.messages.slot(message)]! >= this.warmup) this.queueWait.record(queueWait);
    else this.warmupDiscarded++;
  }

  override consumed(message: number, group: number, _consumer: number, timesConsumed: number, now: number): void {
    if (now >= this.seriesEnd) this.rollover(now);
    if (timesConsumed === 1) {
      this.counts.consumed++;
      if (now <= this.duration) this.consumedDuringRun++;
      this.lag[group]!--;
      const intendedAt = this.messages.intendedAt[this.messages.slot(message)]!;
      this.series?.firstConsumed(now - intendedAt);
      if (intendedAt >= this.warmup) this.endToEnd.record(now - intendedAt);
      else this.warmupDiscarded++;
    } else if (timesConsumed === 2) {
      this.counts.duplicated++;
    }
  }

  override sideEffect(_message: number, group: number, _consumer: number, timesApplied: number): void {
    if (timesApplied === 2 && this.repeatsMatter[group]) this.counts.sideEffectsRepeated++;
  }

  override deadLettered(_message: number, group: number, _reason: string, now: number): void {
    if (now >= this.seriesEnd) this.rollover(now);
    this.counts.deadLettered++;
    this.lag[group]!--;
  }

  /** A redriven pair is no longer dead-lettered: the count is of pairs dead-lettered at the end. */
  redriven(_message: number, group: number, now: number): void {
    if (now >= this.seriesEnd) this.rollover(now);
    this.counts.deadLettered--;
    this.series?.redriven();
    const lag = ++this.lag[group]!;
    if (lag > this.maxLag) this.maxLag = lag;
  }

  override dropped(_message: number, group: number, _reason: string, now: number): void {
    if (now >= this.seriesEnd) this.rollover(now);
    this.counts.dropped++;
    this.lag[group]!--;
  }

  override depthChanged(group: number, depth: number, now: number): void {
    if (now >= this.seriesEnd) this.rollover(now);
    if (depth > this.maxDepth) this.maxDepth = depth;
    this.series?.depthChanged(group, depth);
  }

  override publishingBlocked(blocked: boolean, now: number): void {
    if (now >= this.seriesEnd) this.rollover(now);
    this.series?.publishingBlocked(blocked, now);
    this.blockPublishing(blocked, now);
  }

  private blockPublishing(blocked: boolean, now: number): void {
    if (blocked) this.blockedSince = now;
    else if (this.blockedSince >= 0) {
      this.blockedMicros += now - this.blockedSince;
      this.blockedSince = -1;
    }
  }

  /** Closes an open blocked interval at the end of the run. */
  finish(now: number): void {
    // The series closes its own blocked interval in its `finish`.
    if (this.blockedSince >= 0) this.blockPublishing(false, now);
  }
}
