// Proves LeoHistory keeps what a list of [time, LEO] pairs kept: the same answers to heldAt under random notes, growth past its first ring and drops past the horizon.
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { LeoHistory } from "../../../src/brokers/kafka/leo-history.js";

/** The list it replaced: a pair per change, one at the same instant overwritten, entries older than needed dropped. */
class PairList {
  private pairs: [number, number][] = [];
  note(now: number, leo: number, horizon: number): void {
    const last = this.pairs[this.pairs.length - 1];
    if (last !== undefined && last[0] === now) last[1] = leo;
    else this.pairs.push([now, leo]);
    let drop = 0;
    while (drop + 1 < this.pairs.length && this.pairs[drop + 1]![0] <= horizon) drop++;
    this.pairs.splice(0, drop);
  }
  heldAt(time: number): number {
    let held = 0;
    for (const [at, leo] of this.pairs)
      if (at <= time) held = leo;
      else break;
    return held;
  }
}

describe("LeoHistory", () => {
  it("answers heldAt as the list of pairs did, under random notes and horizons", () => {
    const rng = seedrandom.alea("leo-history");
    const history = new LeoHistory();
    const reference = new PairList();
    const got: number[] = [];
    const expected: number[] = [];
    let now = 0;
    let leo = 0;
    for (let step = 0; step < 5000; step++) {
      // Often the same instant, sometimes a long quiet spell, so both overwrites and drops happen.
      now += rng() < 0.3 ? 0 : Math.floor(rng() * (rng() < 0.05 ? 5000 : 50));
      leo += Math.floor(rng() * 3);
      // A wide flush window now and then lets the ring grow well past its first size.
      const horizon = now - (step % 1000 < 200 ? 20_000 : 300);
      history.note(now, leo, horizon);
      reference.note(now, leo, horizon);
      for (const back of [0, 1, 100, 299, 301, 1000, 20_000]) {
        got.push(history.heldAt(now - back));
        expected.push(reference.heldAt(now - back));
      }
    }
    expect(got).toEqual(expected);
  });

  it("holds 0 before its first note", () => {
    const history = new LeoHistory();
    expect(history.heldAt(10)).toBe(0);
    history.note(5, 7, -100);
    expect(history.heldAt(4)).toBe(0);
    expect(history.heldAt(5)).toBe(7);
  });
});
