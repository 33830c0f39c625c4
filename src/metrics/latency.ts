import { HdrHistogram } from "./hdr-histogram.js";

/** Percentiles reported for every latency distribution. */
export const PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100] as const;

/** A latency distribution reduced to plain numbers (microseconds). */
export interface LatencySnapshot {
  count: number;
  mean: number;
  max: number;
  /** Value at each of PERCENTILES, in the same order. */
  percentiles: number[];
}

/**
 * A streaming latency distribution in microseconds. Percentiles come from an
 * HDR histogram (3 significant digits: within 0.1%); count, mean and max are
 * kept exactly, so theory checks on means are not limited by bucket width.
 */
export class LatencyStats {
  private readonly histogram = new HdrHistogram(3);
  private count = 0;
  private sum = 0;
  private max = 0;

  record(micros: number): void {
    this.histogram.record(micros);
    this.count++;
    this.sum += micros;
    if (micros > this.max) this.max = micros;
  }

  snapshot(): LatencySnapshot {
    const percentiles = PERCENTILES.map((p) =>
      this.count === 0 ? 0 : p === 100 ? this.max : Math.min(this.histogram.valueAtPercentile(p), this.max),
    );
    return { count: this.count, mean: this.count === 0 ? 0 : this.sum / this.count, max: this.max, percentiles };
  }
}

/** The value at percentile p of a snapshot; p must be one of PERCENTILES. */
export function percentileOf(snapshot: LatencySnapshot, p: (typeof PERCENTILES)[number]): number {
  return snapshot.percentiles[PERCENTILES.indexOf(p)]!;
}
