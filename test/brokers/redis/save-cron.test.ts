// Proves the RDB save-point rule of Redis 7.0's serverCron: checked every 100 ms, in whole unix seconds, strictly greater than the period, and the change count only drops when the parent sees the BGSAVE child done.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SaveCron } from "../../../src/brokers/redis/save-cron.js";
import { parseSavePoints } from "../../../src/brokers/redis/settings.js";

/** A cron started at `startedAt`, logging the time of every fork. */
function cron(save: string, startedAt = 0) {
  const forks: number[] = [];
  const saves = new SaveCron(parseSavePoints(save)!, (at) => forks.push(at));
  saves.restart(startedAt);
  /** One change at `time` (microseconds), after the ticks up to it. */
  const changeAt = (time: number) => {
    saves.advance(time);
    saves.dirty++;
  };
  const runTo = (time: number) => saves.advance(time);
  return { saves, forks, changeAt, runTo };
}

describe("RDB save points (serverCron)", () => {
  it('saves every 2 s with save "1 1": unixtime - lastsave must exceed 1 s', () => {
    const { saves, forks, changeAt, runTo } = cron("1 1");
    for (let t = 100_000; t <= 5_000_000; t += 100_000) {
      runTo(t);
      changeAt(t);
    }
    // A change at the fork's own tick comes after the fork (tick first).
    expect(forks).toEqual([2_000_000, 4_000_000]);
    // Changes since the fork at 4.0 s: 4.0, 4.1 .. 5.0 s (the count dropped at 4.1 s by what the snapshot held).
    expect(saves.dirty).toBe(11);
  });

  it("a save point met by a change forks at the next tick, never at one already past that saw fewer changes", () => {
    // save "1 2": from 2 s on, the second change is what is missing. It comes at 2.5 s, when the ticks up to 2.5 s
    // have run (with one change): serverCron forks at its next tick, 2.6 s, not at 2.0 s.
    const { forks, changeAt, runTo } = cron("1 2");
    changeAt(500_000);
    changeAt(2_500_000);
    runTo(4_000_000);
    expect(forks).toEqual([2_600_000]);
  });

  it("needs whole seconds strictly past the period: save 2 1 first fires at 3 s", () => {
    const { forks, changeAt, runTo } = cron("2 1");
    changeAt(100_000);
    runTo(4_000_000);
    expect(forks).toEqual([3_000_000]);
  });

  it("ticks every 100 ms from the start, whatever the unix second's phase", () => {
    const { forks, changeAt, runTo } = cron("1 1", 550_000);
    changeAt(600_000);
    runTo(3_000_000);
    // lastsave is unix second 0; the first tick in unix second 2 is 2.05 s.
    expect(forks).toEqual([2_050_000]);
  });

  it("keeps the changes made while the child was writing", () => {
    const { saves, changeAt, runTo } = cron("1 1");
    changeAt(100_000);
    runTo(2_000_000);
    changeAt(2_050_000);
    changeAt(2_060_000);
    expect(saves.dirty).toBe(3);
    runTo(2_100_000);
    expect(saves.dirty).toBe(2);
  });

  it("waits for the count: the default 60 s / 10000 changes point fires at 61 s", () => {
    const { forks, changeAt, runTo } = cron("3600 1 300 100 60 10000");
    for (let i = 0; i < 10_000; i++) changeAt(1_000 + i);
    runTo(62_000_000);
    expect(forks).toEqual([61_000_000]);
  });

  it("forks at the same ticks whether advanced at every write or only at changes", () => {
    // Writes call advance() far more often than changes do, and the cron keeps its next save between
    // calls: it must come out as if it were worked out afresh at each change.
    const point = fc.record({ after: fc.integer({ min: 1, max: 4 }), changes: fc.integer({ min: 1, max: 30 }) });
    const step = fc.record({ gap: fc.integer({ min: 0, max: 400_000 }), count: fc.integer({ min: 0, max: 4 }) });
    fc.assert(
      fc.property(
        fc.array(point, { minLength: 1, maxLength: 3 }),
        fc.array(step, { maxLength: 200 }),
        (points, steps) => {
          const save = points.map((p) => `${p.after} ${p.changes}`).join(" ");
          const often = cron(save);
          const seldom = cron(save);
          let time = 0;
          for (const { gap, count } of steps) {
            // Every tick on the way, then the write (count 0: a write that is no change).
            for (let tick = Math.ceil(time / 100_000) * 100_000; tick < time + gap; tick += 100_000) often.runTo(tick);
            time += gap;
            often.runTo(time);
            for (let i = 0; i < count; i++) {
              often.changeAt(time);
              seldom.changeAt(time);
            }
          }
          often.runTo(time + 10_000_000);
          seldom.runTo(time + 10_000_000);
          expect(often.forks).toEqual(seldom.forks);
          expect(often.saves.dirty).toBe(seldom.saves.dirty);
          expect(often.saves.saves).toBe(seldom.saves.saves);
        },
      ),
      { seed: 7, numRuns: 400 },
    );
  });
});
