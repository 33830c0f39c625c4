import type { DeliveryTable } from "../model/deliveries.js";
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

/** The run's running totals the series reads at each interval's end (MetricsRecorder's `Counts` has them). */
export interface RunningTotals {
  readonly published: number;
  readonly rejected: number;
  readonly deliveries: number;
  readonly redeliveries: number;
  readonly consumed: number;
  readonly deadLettered: number;
  readonly dropped: number;
}

/** The counted figures of a point, each the difference of one running total over the interval. */
const COUNTED = [
  ["published", "published"],
  ["rejected", "rejected"],
  ["delivered", "deliveries"],
  ["redelivered", "redeliveries"],
  ["consumed", "consumed"],
  ["deadLettered", "deadLettered"],
  ["dropped", "dropped"],
] as const satisfies readonly (readonly [keyof SeriesPoint, keyof RunningTotals])[];

/**
 * The run in fixed intervals, fed by MetricsRecorder (`recordSeries`) rather than observing the run
 * itself: the recorder already counts every event and keeps each group's lag, so an interval's counts
 * are differences of its running totals read once at the interval's end, and per event the series costs
 * one comparison of the time against the next boundary (the recorder's `rollover` when it is passed)
 * plus, for a first consumption, one latency sample. Levels are read at each interval's end; latency
 * percentiles come from a histogram reset at each interval. Memory grows with the number of intervals,
 * not of messages.
 *
 * Its lag is the recorder's: a redriven message is back in its group's queue and counts until consumed.
 * Its dead-lettered figure counts dead-letter events in the interval, so a redrive, which takes one from
 * the recorder's total of pairs still dead-lettered, is added back (`redriven`).
 */
export class TimeSeriesRecorder {
  private readonly points: SeriesPoint[] = [];
  private current: SeriesPoint;
  /** Where the current interval ends: the boundary the recorder compares each event's time against. */
  private currentEnd: number;
  private readonly depth: number[];
  /** Redrives in the current interval, which took one each from the recorder's dead-lettered total. */
  private redrivesInInterval = 0;
  private readonly latency = new HdrHistogram(2);
  private blockedSince = -1;
  private deliveries: DeliveryTable | undefined;
  private totals: RunningTotals | undefined;
  private lag: readonly number[] = [];
  /** The running totals when the current interval began. */
  private readonly totalsAtStart: Record<keyof RunningTotals, number> = {
    published: 0,
    rejected: 0,
    deliveries: 0,
    redeliveries: 0,
    consumed: 0,
    deadLettered: 0,
    dropped: 0,
  };

  constructor(
    private readonly intervalMicros: number,
    groups: number,
  ) {
    this.depth = new Array<number>(groups).fill(0);
    this.current = emptyPoint(0);
    this.currentEnd = intervalMicros;
  }

  /**
   * Where the running totals, each group's lag (accepted, not consumed nor given up on yet) and the open
   * deliveries are read at each interval's end; the recorder calls it.
   */
  readFrom(totals: RunningTotals, lag: readonly number[], deliveries: DeliveryTable): void {
    this.totals = totals;
    this.lag = lag;
    this.deliveries = deliveries;
  }

  /** Where the current interval ends: an event at or after it must `advance` first. */
  get end(): number {
    return this.currentEnd;
  }

  /** A message first consumed in the current interval, `latency` µs after its intended send time. */
  firstConsumed(latency: number): void {
    this.latency.record(latency);
    this.current.latencySum += latency;
    this.current.latencyCount++;
  }

  depthChanged(group: number, depth: number): void {
    this.depth[group] = depth;
  }

  redriven(): void {
    this.redrivesInInterval++;
  }

  publishingBlocked(blocked: boolean, now: number): void {
    if (blocked) this.blockedSince = now;
    else if (this.blockedSince >= 0) {
      this.current.blocked += now - Math.max(this.blockedSince, this.current.start);
      this.blockedSince = -1;
    }
  }

  /** Closes every interval up to `end` and returns the series. */
  finish(end: number): TimeSeries {
    this.advance(end);
    this.close(this.current, Math.min(end, this.current.start + this.intervalMicros));
    this.points.push(this.current);
    return { intervalMicros: this.intervalMicros, points: this.points };
  }

  /**
   * Moves to the interval containing `now`, closing the ones before it. The recorder calls it before it
   * counts the event at `now`, so the closed intervals hold exactly the events before their end.
   */
  advance(now: number): void {
    while (now >= this.currentEnd) {
      this.close(this.current, this.currentEnd);
      this.points.push(this.current);
      this.current = emptyPoint(this.currentEnd);
      this.currentEnd += this.intervalMicros;
    }
  }

  private close(point: SeriesPoint, end: number): void {
    this.countInterval(point);
    point.depth = [...this.depth];
    point.lag = [...this.lag];
    point.inFlight = this.deliveries?.inFlight ?? 0;
    if (this.blockedSince >= 0) point.blocked += end - Math.max(this.blockedSince, point.start);
    if (point.latencyCount > 0) {
      point.latencyP50 = this.latency.valueAtPercentile(50);
      point.latencyP99 = this.latency.valueAtPercentile(99);
      this.latency.reset();
    }
  }

  /** The interval's counts: how far each running total moved since the interval began. */
  private countInterval(point: SeriesPoint): void {
    const totals = this.totals;
    if (totals === undefined) return;
    for (const [figure, total] of COUNTED) {
      point[figure] = totals[total] - this.totalsAtStart[total];
      this.totalsAtStart[total] = totals[total];
    }
    point.deadLettered += this.redrivesInInterval;
    this.redrivesInInterval = 0;
  }
}

function emptyPoint(start: number): SeriesPoint {
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

/** An interval giving a few hundred points: 1, 2 or 5 times a power of ten, in microseconds. */
export function niceInterval(spanMicros: number, targetPoints = 300): number {
  const raw = Math.max(1000, spanMicros / targetPoints);
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 5, 10]) if (step * power >= raw) return step * power;
  return 10 * power;
}
