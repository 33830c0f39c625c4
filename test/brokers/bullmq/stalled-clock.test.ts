// Proves that StalledCheckClock, which works the stalled checks out from the workers' ticks, finds the same checks as simulating every worker's timer and the stalled-check key one tick at a time.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StalledCheckClock } from "../../../src/brokers/bullmq/stalled-clock.js";

interface Life {
  worker: number;
  up: number;
  down: number;
}

/**
 * Every worker alive on [up, down) ticks at up + k x interval; a tick at least one interval after the
 * last check runs a check (the key set by the last check has expired), others do nothing.
 */
function bruteForceChecks(lives: Life[], interval: number, horizon: number): number[] {
  const ticks: number[] = [];
  for (const life of lives) for (let t = life.up; t < Math.min(life.down, horizon); t += interval) ticks.push(t);
  ticks.sort((a, b) => a - b);
  const checks: number[] = [];
  for (const tick of ticks) {
    const last = checks[checks.length - 1];
    if (last === undefined || tick >= last + interval) checks.push(tick);
  }
  return checks;
}

/** Each worker's lives: consecutive [up, down) intervals from sorted distinct times. */
const livesOf = (times: number[][]): Life[] =>
  times.flatMap((sorted, worker) => {
    const lives: Life[] = [];
    for (let i = 0; i < sorted.length; i += 2) {
      lives.push({ worker, up: sorted[i]!, down: sorted[i + 1] ?? Number.POSITIVE_INFINITY });
    }
    return lives;
  });

describe("StalledCheckClock", () => {
  it("agrees with a tick-by-tick simulation on the last two checks before any time", () => {
    const sortedTimes = fc
      .uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 6 })
      .map((a) => a.sort((x, y) => x - y));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.array(sortedTimes, { minLength: 1, maxLength: 3 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 10 }),
        (interval, times, queries) => {
          const lives = livesOf(times);
          const consumers = times.map((_, index) => ({ index, group: 0, capacity: 1 }));
          const clock = new StalledCheckClock(consumers, 1, interval);
          // The clock starts with every worker up at 0; a worker whose first life starts later goes down at 0.
          for (const slot of consumers) {
            clock.workerUp(slot.index, 0);
            if ((times[slot.index]![0] ?? 1) !== 0) clock.workerDown(slot.index, 0);
          }
          const events = lives
            .flatMap((life) => [
              { at: life.up, kind: 1, worker: life.worker },
              { at: life.down, kind: 0, worker: life.worker },
            ])
            .filter((event) => event.at > 0 && Number.isFinite(event.at))
            .concat(queries.map((at) => ({ at, kind: 2, worker: -1 })))
            .sort((a, b) => a.at - b.at || a.kind - b.kind);
          for (const event of events) {
            if (event.kind === 0) clock.workerDown(event.worker, event.at);
            else if (event.kind === 1) clock.workerUp(event.worker, event.at);
            else {
              clock.advance(0, event.at);
              const before = bruteForceChecks(lives, interval, event.at);
              expect(clock.lastCheck(0)).toBe(before[before.length - 1] ?? Number.NEGATIVE_INFINITY);
              expect(clock.previousCheck(0)).toBe(before[before.length - 2] ?? Number.NEGATIVE_INFINITY);
            }
          }
        },
      ),
      { seed: 14, numRuns: 500 },
    );
  });
});
