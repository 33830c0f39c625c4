// Proves the witness's timelines keep each (group, message) pair's steps in order, apart from every other pair's,
// and that a forgotten pair's reused steps never show up in another timeline.
import { describe, expect, it } from "vitest";
import { REDRIVE, Timelines } from "../../src/metrics/timelines.js";

describe("Timelines", () => {
  it("keeps each pair's steps in the order they happened", () => {
    const timelines = new Timelines(2);
    expect(timelines.empty).toBe(true);
    timelines.add(7, 0, 1, "transient", 1000, 3, 10);
    timelines.add(7, 1, 1, "timeout", null, 4, 11);
    timelines.add(7, 0, 2, "refused", null, 3, 12);
    timelines.add(7, 0, REDRIVE, "", null, -1, 20);
    expect(timelines.empty).toBe(false);
    expect(timelines.steps(7, 0)).toEqual([
      { attempt: 1, why: "transient", retryIn: 1000, consumer: 3, at: 10 },
      { attempt: 2, why: "refused", retryIn: null, consumer: 3, at: 12 },
      { attempt: REDRIVE, why: "", retryIn: null, consumer: -1, at: 20 },
    ]);
    expect(timelines.steps(7, 1)).toEqual([{ attempt: 1, why: "timeout", retryIn: null, consumer: 4, at: 11 }]);
    expect(timelines.steps(8, 0)).toEqual([]);
  });

  it("reuses a forgotten pair's steps for later ones without mixing them", () => {
    const timelines = new Timelines(1);
    // More steps than the arrays start with, so they grow too.
    for (let message = 0; message < 100; message++) {
      timelines.add(message, 0, 1, "first", 5, 0, message);
      timelines.add(message, 0, 2, "second", null, 0, message + 0.5);
    }
    for (let message = 0; message < 100; message += 2) timelines.forget(message, 0);
    for (let message = 0; message < 100; message += 2) timelines.add(message, 0, 3, "again", 7, 1, 1000 + message);
    expect(timelines.steps(4, 0)).toEqual([{ attempt: 3, why: "again", retryIn: 7, consumer: 1, at: 1004 }]);
    expect(timelines.steps(5, 0).map((step) => step.why)).toEqual(["first", "second"]);
    for (let message = 0; message < 100; message++) timelines.forget(message, 0);
    expect(timelines.empty).toBe(true);
    timelines.add(1, 0, 1, "after", null, 2, 2000);
    expect(timelines.steps(1, 0)).toEqual([{ attempt: 1, why: "after", retryIn: null, consumer: 2, at: 2000 }]);
  });

  it("forgets every pair at once", () => {
    const timelines = new Timelines(3);
    timelines.add(1, 2, 1, "x", 1, 0, 1);
    timelines.add(2, 1, 1, "y", 1, 0, 2);
    timelines.clear();
    expect(timelines.empty).toBe(true);
    expect(timelines.steps(1, 2)).toEqual([]);
    timelines.add(2, 1, 1, "z", null, 0, 3);
    expect(timelines.steps(2, 1)).toEqual([{ attempt: 1, why: "z", retryIn: null, consumer: 0, at: 3 }]);
  });
});
