// Proves the plain-TypeScript HDR histogram gives exactly hdr-histogram-js's percentiles (its WebAssembly build, which queuesim used before).
import * as fc from "fast-check";
import { build, initWebAssemblySync } from "hdr-histogram-js";
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { HdrHistogram } from "../../src/metrics/hdr-histogram.js";
import { PERCENTILES } from "../../src/metrics/latency.js";

initWebAssemblySync();

const QUERIED = [...PERCENTILES, 1, 33.3, 66.7, 97.5, 99.99999];

/** Every queried percentile from both histograms, for the same values. */
function bothWays(values: readonly number[], digits: number): { ours: number[]; library: number[] } {
  const ours = new HdrHistogram(digits);
  const library = build({ numberOfSignificantValueDigits: digits as 1 | 2 | 3 | 4 | 5, useWebAssembly: true });
  for (const value of values) {
    ours.record(value);
    library.recordValue(value);
  }
  const result = {
    ours: QUERIED.map((p) => ours.valueAtPercentile(p)),
    library: QUERIED.map((p) => library.getValueAtPercentile(p)),
  };
  library.destroy();
  return result;
}

describe("HdrHistogram", () => {
  it("matches hdr-histogram-js on exponential latencies spanning nine orders of magnitude", () => {
    const rng = seedrandom.alea("hdr");
    const values = Array.from({ length: 100_000 }, (_, i) => Math.round(-(10 ** (i % 10)) * Math.log(1 - rng())));
    for (const digits of [2, 3]) {
      const { ours, library } = bothWays(values, digits);
      expect(ours).toEqual(library);
    }
  });

  it("matches hdr-histogram-js on any small set of values, at 1 to 4 significant digits", () => {
    const value = fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 2 ** 40 }));
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 4 }),
        (values, digits) => {
          const { ours, library } = bothWays(values, digits);
          expect(ours).toEqual(library);
        },
      ),
      { seed: 7, numRuns: 100 },
    );
  });

  it("keeps exact values below 2048 and steps of 2^k above, at 3 digits", () => {
    const histogram = new HdrHistogram(3);
    for (const value of [0, 1, 2047, 2048, 2049, 5000]) histogram.record(value);
    // Of 6 values, percentile 50 is the 3rd (2047); 60 the 4th, 2048, which shares [2048, 2049] with 2049;
    // 100 the 6th, 5000, in [5000, 5003] where values step by 4.
    expect([0, 50, 60, 100].map((p) => histogram.valueAtPercentile(p))).toEqual([0, 2047, 2049, 5003]);
    histogram.reset();
    expect(histogram.totalCount).toBe(0);
    expect(histogram.valueAtPercentile(50)).toBe(0);
  });
});
