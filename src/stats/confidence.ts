/**
 * Confidence intervals for the mean of independent replications, with
 * Student's t: the replications' results are the sample, so the interval
 * accounts for the small number of them.
 */
export interface Interval {
  n: number;
  mean: number;
  /** Half the interval's width; the interval is mean ± halfWidth. */
  halfWidth: number;
  low: number;
  high: number;
  /** Sample standard deviation of the replications. */
  stddev: number;
}

export function meanInterval(values: readonly number[], confidence = 0.95): Interval {
  const n = values.length;
  const mean = values.reduce((sum, v) => sum + v, 0) / Math.max(1, n);
  if (n < 2) return { n, mean, halfWidth: Number.POSITIVE_INFINITY, low: -Infinity, high: Infinity, stddev: 0 };
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1);
  const stddev = Math.sqrt(variance);
  const halfWidth = studentT((1 + confidence) / 2, n - 1) * (stddev / Math.sqrt(n));
  return { n, mean, halfWidth, low: mean - halfWidth, high: mean + halfWidth, stddev };
}

/**
 * The p-quantile of Student's t with `df` degrees of freedom (p > 0.5),
 * by G. W. Hill's approximation (CACM Algorithm 396), exact for df = 1 and 2
 * and within 1e-3 of tables beyond (2.7768 for 2.7764 at df = 4): enough for 95% intervals.
 */
export function studentT(p: number, df: number): number {
  const tail = 2 * (1 - p);
  if (df === 1) return Math.tan((Math.PI * (1 - tail)) / 2);
  if (df === 2) return Math.sqrt(2 / (tail * (2 - tail)) - 2);
  const a = 1 / (df - 0.5);
  const b = 48 / (a * a);
  let c = ((((20700 * a) / b - 98) * a - 16) * a + 96.36) * a;
  const d = ((94.5 / (b + c) - 3) / b + 1) * Math.sqrt((a * Math.PI) / 2) * df;
  let x = d * tail;
  let y = x ** (2 / df);
  if (y > 0.05 + a) {
    x = normalQuantile(tail / 2);
    y = x * x;
    if (df < 5) c += 0.3 * (df - 4.5) * (x + 0.6);
    c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c;
    y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x;
    y = a * y * y;
    y = y > 0.002 ? Math.exp(y) - 1 : 0.5 * y * y + y;
  } else {
    y =
      (((1 / (((df + 6) / (df * y) - 0.089 * d - 0.822) * (df + 2) * 3) + 0.5 / (df + 4)) * y - 1) * (df + 1)) /
        (df + 2) +
      1 / y;
  }
  return Math.sqrt(df * y);
}

/** The lower-tail q-quantile of the standard normal (Acklam's rational approximation, error < 1.2e-9). */
export function normalQuantile(q: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (q < low) {
    const r = Math.sqrt(-2 * Math.log(q));
    return (
      (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) /
      ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1)
    );
  }
  if (q > 1 - low) return -normalQuantile(1 - q);
  const r = q - 0.5;
  const s = r * r;
  return (
    ((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) /
    (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1)
  );
}
