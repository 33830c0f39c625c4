// Proves message priority pickers: a fixed priority or a one-entry mix draws nothing, and a weighted mix gives each priority its share on a fixed seed.
import { describe, expect, it } from "vitest";
import { priorityPickerFor } from "../../src/random/priorities.js";
import { streamFor } from "../../src/random/streams.js";

const failingRng = () => {
  throw new Error("this picker must not draw random numbers");
};

describe("priorityPickerFor", () => {
  it("returns a fixed priority without drawing, also from a mix with one entry", () => {
    expect(priorityPickerFor(7, failingRng)()).toBe(7);
    expect(priorityPickerFor({ weights: { 3: 5 } }, failingRng)()).toBe(3);
  });

  it("draws a weighted mix: 90/10 between priorities 0 and 9 over 10,000 messages", () => {
    const pick = priorityPickerFor({ weights: { 9: 10, 0: 90 } }, streamFor(1, "producer:p#1:priority"));
    const counts = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      const priority = pick();
      counts.set(priority, (counts.get(priority) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([0, 9]);
    // Binomial(10,000, 0.1): 1,000 ± 30; this seed gives 1,054.
    expect(counts.get(9)).toBe(1054);
    expect(counts.get(0)).toBe(8946);
  });

  it("splits three weights that need not add up to 100", () => {
    const pick = priorityPickerFor({ weights: { 1: 1, 2: 2, 5: 1 } }, streamFor(3, "producer:p#1:priority"));
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[pick()]!++;
    expect(counts).toEqual([0, 1013, 1982, 0, 0, 1005]);
  });
});
