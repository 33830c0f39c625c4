/**
 * A high-dynamic-range histogram of non-negative integers, in plain
 * TypeScript: the bucket layout and percentile rule of HdrHistogram (as
 * hdr-histogram-js implements them, lowest discernible value 1), so its
 * percentiles are exactly the library's. Written here because a record is a
 * few arithmetic operations and a typed-array increment, where the library's
 * WebAssembly build costs a call across the boundary per value and about
 * 50 ms of start-up (inflating and compiling its module). test/metrics/
 * hdr-histogram.test.ts checks it against hdr-histogram-js value for value.
 *
 * Values below 2^(m+1) (m from the significant digits: 1024 for 3 digits)
 * have a bucket each; above that, bucket k holds values in units of 2^k, so
 * every value is kept within 10^-digits of its true size.
 */
export class HdrHistogram {
  /** log2 of half the sub-bucket count: values below 2^(halfMagnitude+1) are exact. */
  private readonly halfMagnitude: number;
  private readonly halfCount: number;
  private counts = new Float64Array(0);
  /** Highest index with a count, so percentile scans and resets stop there. */
  private highestIndex = -1;
  totalCount = 0;

  constructor(significantDigits: number) {
    const singleUnitResolutionUpTo = 2 * 10 ** significantDigits;
    this.halfMagnitude = Math.max(1, Math.ceil(Math.log2(singleUnitResolutionUpTo))) - 1;
    this.halfCount = 2 ** this.halfMagnitude;
  }

  /** Records a value; it must be a non-negative integer (microseconds). */
  record(value: number): void {
    const index = this.indexOf(value);
    if (index >= this.counts.length) this.grow(index);
    this.counts[index]!++;
    if (index > this.highestIndex) this.highestIndex = index;
    this.totalCount++;
  }

  /**
   * The value at `percentile` (0-100): the highest value equivalent to the
   * first recorded bucket that reaches that share of the count (the lowest,
   * for percentile 0). 0 for an empty histogram.
   */
  valueAtPercentile(percentile: number): number {
    const fpCount = (Math.min(percentile, 100) / 100) * this.totalCount;
    // Rounds up, less one ulp so floating-point error in the product cannot skip a count.
    const countAtPercentile = Math.max(Math.ceil(fpCount - ulp(fpCount)), 1);
    let total = 0;
    for (let index = 0; index <= this.highestIndex; index++) {
      total += this.counts[index]!;
      if (total >= countAtPercentile) {
        const bucket = Math.max(0, Math.floor(index / this.halfCount) - 1);
        const lowest = this.valueAt(index);
        return percentile === 0 ? lowest : lowest + POWERS_OF_TWO[bucket]! - 1;
      }
    }
    return 0;
  }

  /** Forgets every value, keeping the memory. */
  reset(): void {
    this.counts.fill(0, 0, this.highestIndex + 1);
    this.highestIndex = -1;
    this.totalCount = 0;
  }

  private indexOf(value: number): number {
    if (value < 2 * this.halfCount) return Math.floor(value);
    // A value's bucket is how many doublings it lies above the exact range; values in it step by 2^bucket.
    const bucket = highestBit(value) - this.halfMagnitude;
    return bucket * this.halfCount + Math.floor(value / POWERS_OF_TWO[bucket]!);
  }

  /** The lowest value counted at `index`. */
  private valueAt(index: number): number {
    const bucket = Math.floor(index / this.halfCount) - 1;
    if (bucket < 0) return index;
    return ((index % this.halfCount) + this.halfCount) * POWERS_OF_TWO[bucket]!;
  }

  private grow(index: number): void {
    const counts = new Float64Array(Math.max(index + 1, this.counts.length * 2, 4 * this.halfCount));
    counts.set(this.counts);
    this.counts = counts;
  }
}

/** 2^k by table: `2 ** k` with a variable k is a call to Math.pow, the costliest step of a record. */
const POWERS_OF_TWO = Float64Array.from({ length: 64 }, (_, k) => 2 ** k);

/** Position of the highest set bit of a non-negative integer below 2^53 (-1 for 0), exactly. */
function highestBit(value: number): number {
  if (value < 2 ** 32) return 31 - Math.clz32(value);
  return 63 - Math.clz32(Math.floor(value / 2 ** 32));
}

/** The gap between `x` and the next larger double; 0 for 0. */
function ulp(x: number): number {
  return 2 ** (Math.floor(Math.log2(x)) - 52);
}
