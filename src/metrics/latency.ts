import { build, type Histogram } from "hdr-histogram-js";

/**
 * A streaming latency distribution in microseconds. Percentiles come from an
 * HDR histogram (3 significant digits: within 0.1%); count, mean and max are
 * kept exactly, so theory checks on means are not limited by bucket width.
 */
export class LatencyStats {
  private readonly histogram: Histogram = build({ numberOfSignificantValueDigits: 3 });
  count = 0;
  private sum = 0;
  max = 0;

  record(micros: number): void {
    this.histogram.recordValue(micros);
    this.count++;
    this.sum += micros;
    if (micros > this.max) this.max = micros;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** Value at percentile p (0-100); exact max at 100; 0 when empty. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    if (p >= 100) return this.max;
    return Math.min(this.histogram.getValueAtPercentile(p), this.max);
  }
}
