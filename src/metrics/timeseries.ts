import type { DeliveryTable } from "../model/deliveries.js";
import { Fate, type MessageTable } from "../model/messages.js";
import { NullObserver } from "../model/observer.js";
import { HdrHistogram } from "./hdr-histogram.js";

/** One interval of the run. Rates are per second over the interval; levels are read at its end. */
export interface SeriesPoint {
  /** Start of the interval, microseconds. */
  start: number;
  published: number;
  consumed: number;
  delivered: number;
  redelivered: number;
  deadLettered: number;
  dropped: number;
  rejected: number;
  /** Microseconds within the interval during which publishers were blocked. */
  blocked: number;
  /** Per group: messages waiting in the broker, at the end of the interval. */
  depth: number[];
  /** Per group: accepted messages the group has not consumed yet, at the end of the interval. */
  lag: number[];
  /** Deliveries open (handed out, not settled) at the end of the interval. */
  inFlight: number;
  /** End-to-end latency of messages first consumed in the interval, microseconds (0 when none). */
  latencyP50: number;
  latencyP99: number;
  /** Sum and count of those latencies, for interval means (MSER warm-up detection). */
  latencySum: number;
  latencyCount: number;
}

export interface TimeSeries {
  intervalMicros: number;
  points: SeriesPoint[];
}

/**
 * Reduces the event stream to fixed intervals as the run goes: counters,
 * end-of-interval levels, and latency percentiles from a histogram reset at
 * each interval. Memory grows with the number of intervals, not of messages.
 */
export class TimeSeriesRecorder extends NullObserver {
  private readonly points: SeriesPoint[] = [];
  private current: SeriesPoint;
  /** Where the current interval ends: the one comparison most events make. */
  private currentEnd: number;
  private readonly depth: number[];
  private readonly lag: number[];
  private readonly latency = new HdrHistogram(2);
  private latencyCount = 0;
  private blockedSince = -1;
  private messages!: MessageTable;
  private deliveries: DeliveryTable | undefined;

  constructor(
    private readonly intervalMicros: number,
    groups: number,
  ) {
    super();
    this.depth = new Array<number>(groups).fill(0);
    this.lag = new Array<number>(groups).fill(0);
    this.current = this.emptyPoint(0);
    this.currentEnd = intervalMicros;
  }

  watch(messages: MessageTable): void {
    this.messages = messages;
  }

  watchDeliveries(deliveries: DeliveryTable): void {
    this.deliveries = deliveries;
  }

  override published(_message: number, now: number): void {
    this.advance(now).published++;
  }
  override accepted(message: number, now: number): void {
    this.advance(now);
    for (let g = 0; g < this.lag.length; g++) {
      if (this.messages.fate[g]![this.messages.slot(message)] !== Fate.notRouted) this.lag[g]!++;
    }
  }
  override rejected(_message: number, now: number): void {
    this.advance(now).rejected++;
  }
  override delivered(_m: number, _g: number, _c: number, attempt: number, _wait: number, now: number): void {
    const point = this.advance(now);
    point.delivered++;
    if (attempt > 1) point.redelivered++;
  }
  override consumed(message: number, group: number, _consumer: number, times: number, now: number): void {
    const point = this.advance(now);
    if (times !== 1) return;
    point.consumed++;
    this.lag[group]!--;
    const latency = now - this.messages.intendedAt[this.messages.slot(message)]!;
    this.latency.record(latency);
    this.latencyCount++;
    point.latencySum += latency;
    point.latencyCount++;
  }
  override deadLettered(_message: number, group: number, _reason: string, now: number): void {
    this.advance(now).deadLettered++;
    this.lag[group]!--;
  }
  override dropped(_message: number, group: number, _reason: string, now: number): void {
    this.advance(now).dropped++;
    this.lag[group]!--;
  }
  override depthChanged(group: number, depth: number, now: number): void {
    this.advance(now);
    this.depth[group] = depth;
  }
  override publishingBlocked(blocked: boolean, now: number): void {
    const point = this.advance(now);
    if (blocked) this.blockedSince = now;
    else if (this.blockedSince >= 0) {
      point.blocked += now - Math.max(this.blockedSince, point.start);
      this.blockedSince = -1;
    }
  }

  /** Closes every interval up to `end` and returns the series . */
  finish(end: number): TimeSeries {
    this.advance(end);
    this.close(this.current, Math.min(end, this.current.start + this.intervalMicros));
    this.points.push(this.current);
    return { intervalMicros: this.intervalMicros, points: this.points };
  }

  /** Moves to the interval containing `now`, closing the ones before it. */
  private advance(now: number): SeriesPoint {
    while (now >= this.currentEnd) {
      this.close(this.current, this.currentEnd);
      this.points.push(this.current);
      this.current = this.emptyPoint(this.currentEnd);
      this.currentEnd += this.intervalMicros;
    }
    return this.current;
  }

  private close(point: SeriesPoint, end: number): void {
    point.depth = [...this.depth];
    point.lag = [...this.lag];
    point.inFlight = this.deliveries?.inFlight ?? 0;
    if (this.blockedSince >= 0) point.blocked += end - Math.max(this.blockedSince, point.start);
    if (this.latencyCount > 0) {
      point.latencyP50 = this.latency.valueAtPercentile(50);
      point.latencyP99 = this.latency.valueAtPercentile(99);
      this.latency.reset();
      this.latencyCount = 0;
    }
  }

  private emptyPoint(start: number): SeriesPoint {
    return {
      start,
      published: 0,
      consumed: 0,
      delivered: 0,
      redelivered: 0,
      deadLettered: 0,
      dropped: 0,
      rejected: 0,
      blocked: 0,
      depth: [],
      lag: [],
      inFlight: 0,
      latencyP50: 0,
      latencyP99: 0,
      latencySum: 0,
      latencyCount: 0,
    };
  }
}

/** An interval giving a few hundred points: 1, 2 or 5 times a power of ten, in microseconds. */
export function niceInterval(spanMicros: number, targetPoints = 300): number {
  const raw = Math.max(1000, spanMicros / targetPoints);
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 5, 10]) if (step * power >= raw) return step * power;
  return 10 * power;
}
