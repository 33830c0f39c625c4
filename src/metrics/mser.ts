/**
 * MSER-5 (White, 1997): the warm-up truncation that minimizes the marginal
 * standard error of the mean of what is kept. Observations are grouped into
 * batches of 5; for each candidate truncation d (in batches, up to half of
 * them) MSER(d) = Σ_{i>d} (Y_i − Ȳ_d)² / (n − d)², and the smallest wins.
 * Returns the number of observations to discard.
 */
export function mser5(observations: readonly number[]): number {
  const batchSize = 5;
  const batches: number[] = [];
  for (let i = 0; i + batchSize <= observations.length; i += batchSize) {
    let sum = 0;
    for (let j = i; j < i + batchSize; j++) sum += observations[j]!;
    batches.push(sum / batchSize);
  }
  const n = batches.length;
  if (n < 4) return 0;
  let best = 0;
  let bestScore = Number.POSITIVE_INFINITY;
  for (let d = 0; d <= Math.floor(n / 2); d++) {
    const kept = batches.slice(d);
    const mean = kept.reduce((sum, y) => sum + y, 0) / kept.length;
    const score = kept.reduce((sum, y) => sum + (y - mean) ** 2, 0) / kept.length ** 2;
    if (score < bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best * batchSize;
}
