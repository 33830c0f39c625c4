// Proves the sagas' durations folded into a count per distinct duration give the summary the figures the sorted list of every duration gave (nearest-rank percentiles, mean, max), to the bit.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { durationSummary } from "../../src/report/sagas.js";
import { DurationTally } from "../../src/run/saga-durations.js";

/** The summary as it was computed from every duration, sorted (before the durations were folded). */
function fromSortedList(sorted: number[]) {
  const ms = (micros: number) => Math.round(micros) / 1000;
  if (sorted.length === 0) return { mean: 0, p50: 0, p99: 0, max: 0 };
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return { mean: ms(total / sorted.length), p50: ms(rank(50)), p99: ms(rank(99)), max: ms(sorted.at(-1)!) };
}

/** Durations as runs make them: whole µs, often repeated, a few beyond what an Int32 key holds. */
const durations = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: 50_000 }) },
    { weight: 1, arbitrary: fc.constantFrom(1000, 2000, 2041) },
    { weight: 1, arbitrary: fc.integer({ min: 2 ** 31 - 2, max: 2 ** 33 }) },
  ),
  { maxLength: 400 },
);

describe("saga durations as counts", () => {
  it("give the same mean, p50, p99 and max as the sorted list of every duration", () => {
    fc.assert(
      fc.property(durations, (values) => {
        const tally = new DurationTally();
        for (const value of values) tally.add(value);
        const sorted = Float64Array.from(values).sort();
        expect(durationSummary(tally.distribution())).toEqual(fromSortedList([...sorted]));
      }),
      { seed: 61, numRuns: 300 },
    );
  });

  it("keep one entry per distinct duration", () => {
    const tally = new DurationTally();
    for (let n = 0; n < 7000; n++) tally.add(1000 + (n % 7));
    expect(tally.distribution()).toEqual({
      values: [1000, 1001, 1002, 1003, 1004, 1005, 1006],
      counts: Array(7).fill(1000),
    });
  });
});
