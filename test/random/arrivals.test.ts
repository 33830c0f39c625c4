// Proves arrival processes follow their rate schedule (per microsecond): Poisson counts and gaps, even spacing, phases, ramps, on/off, and the end.
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { ArrivalProcess, type ArrivalSchedule, type RatePhase } from "../../src/random/arrivals.js";
import type { Rng } from "../../src/random/streams.js";

/*
 * Tolerances: an arrival count over a window with expected count m is Poisson, standard deviation sqrt(m);
 * we allow 5 of them. For gaps, see the comments at each check.
 */
const SE = 5;

const INF = Number.POSITIVE_INFINITY;

/** The constant process is deterministic: it must never touch its stream. */
const noRandom: Rng = () => {
  throw new Error("the constant process must not draw random numbers");
};

const flat = (duration: number, rate: number): RatePhase => ({ duration, fromRate: rate, toRate: rate });
const ramp = (duration: number, fromRate: number, toRate: number): RatePhase => ({ duration, fromRate, toRate });

function schedule(process: "poisson" | "constant", phases: RatePhase[], repeat = false): ArrivalSchedule {
  return { process, phases, repeat };
}

/** Arrival times up to and including `until` (the first later one is drawn and discarded), or to the schedule's end. */
function arrivalsUntil(process: ArrivalProcess, until: number): number[] {
  const times: number[] = [];
  // Far above any count expected here: a broken process fails fast instead of exhausting memory.
  while (times.length < 500_000) {
    const t = process.next();
    if (t > until || t === INF) return times;
    times.push(t);
  }
  throw new Error(`more than 500000 arrivals before ${until}`);
}

function countIn(times: number[], from: number, to: number): number {
  return times.filter((t) => t > from && t <= to).length;
}

function expectPoissonCount(count: number, expected: number): void {
  expect(Math.abs(count - expected), `count ${count}, expected ${expected}`).toBeLessThan(SE * Math.sqrt(expected));
}

describe("ArrivalProcess, Poisson", () => {
  it("at rate r gives about r*T arrivals with exponential gaps (mean 1/r, coefficient of variation 1)", () => {
    const rate = 1e-3; // per microsecond: 1000/s
    const T = 100_000_000; // 100 s, so r*T = 100 000
    const times = arrivalsUntil(new ArrivalProcess(schedule("poisson", [flat(INF, rate)]), seedrandom.alea("p1")), T);
    expectPoissonCount(times.length, rate * T);

    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const n = gaps.length;
    const mean = gaps.reduce((a, b) => a + b, 0) / n;
    // Gaps are Exp(mean 1000): the sample mean's standard error is 1000/sqrt(n) ~ 3.2 us. Rounding times to
    // whole microseconds changes each gap by under 1 us, but these errors telescope and cancel in the mean.
    expect(Math.abs(mean - 1 / rate)).toBeLessThan((SE * (1 / rate)) / Math.sqrt(n));
    // The sample variance of an exponential has relative standard error sqrt(8/n) ~ 0.009, so the CV's is about
    // 0.0045; 0.025 is more than 5 of those (rounding adds a variance of 1/12 us^2, negligible against 10^6).
    const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / (n - 1));
    expect(Math.abs(sd / mean - 1)).toBeLessThan(0.025);
    // Memorylessness in the shape: half the gaps are below the median mean*ln 2 (binomial SE sqrt(0.25/n)).
    const belowMedian = gaps.filter((g) => g <= Math.log(2) / rate).length / n;
    expect(Math.abs(belowMedian - 0.5)).toBeLessThan(SE * Math.sqrt(0.25 / n));
  });

  it("is reproducible from the same stream", () => {
    const make = () => new ArrivalProcess(schedule("poisson", [flat(INF, 2e-4)]), seedrandom.alea("same"));
    const a = make();
    const b = make();
    const pairs = Array.from({ length: 1000 }, () => [a.next(), b.next()]);
    expect(pairs.every(([x, y]) => x === y)).toBe(true);
  });

  it("follows flat phases: each phase's count matches its own rate", () => {
    // 20 s at 1000/s, then 20 s at 5000/s, then the schedule ends.
    const phases = [flat(20e6, 1e-3), flat(20e6, 5e-3)];
    const process = new ArrivalProcess(schedule("poisson", phases), seedrandom.alea("p-phases"));
    const times = arrivalsUntil(process, INF);
    expect(times.at(-1)!).toBeLessThanOrEqual(40e6);
    expectPoissonCount(countIn(times, -1, 20e6), 20_000);
    expectPoissonCount(countIn(times, 20e6, 40e6), 100_000);
    // Once ended, it stays ended.
    expect([process.next(), process.next()]).toEqual([INF, INF]);
  });

  it("follows a linear ramp: the count in any stretch is the integral of the rate over it", () => {
    // 0 -> 10 000/s over 10 s: rate(t) = 1e-9 * t per us, integral over [0, t] = 5e-10 t^2.
    const process = new ArrivalProcess(schedule("poisson", [ramp(10e6, 0, 0.01)]), seedrandom.alea("p-ramp"));
    const times = arrivalsUntil(process, INF);
    const integral = (t: number) => 5e-10 * t * t;
    expectPoissonCount(times.length, integral(10e6)); // 50 000
    expectPoissonCount(countIn(times, -1, 5e6), integral(5e6)); // 12 500: a quarter in the first half
    expectPoissonCount(countIn(times, 9e6, 10e6), integral(10e6) - integral(9e6)); // 9 500 in the last tenth
  });

  it("follows a falling ramp", () => {
    // 10 000/s -> 2 000/s over 10 s: integral (0.01 + 0.002)/2 * 1e7 = 60 000; first half (0.01 + 0.006)/2 * 5e6 = 40 000.
    const process = new ArrivalProcess(schedule("poisson", [ramp(10e6, 0.01, 0.002)]), seedrandom.alea("p-fall"));
    const times = arrivalsUntil(process, INF);
    expectPoissonCount(times.length, 60_000);
    expectPoissonCount(countIn(times, -1, 5e6), 40_000);
  });

  it("on/off with repeat: arrivals only in on windows, at the on rate, cycle after cycle", () => {
    // 1 ms on at 3 per ms, 1 ms off, repeated 10 000 times.
    const phases = [flat(1000, 3e-3), flat(1000, 0)];
    const process = new ArrivalProcess(schedule("poisson", phases, true), seedrandom.alea("p-onoff"));
    const times = arrivalsUntil(process, 20e6);
    expect(times.filter((t) => t % 2000 > 1000)).toEqual([]);
    expectPoissonCount(times.length, 30_000);
    // Later cycles are as busy as the first ones.
    expectPoissonCount(countIn(times, 10e6, 20e6), 15_000);
  });

  it("returns integer, non-decreasing times, ties included, across ramps and repeats", () => {
    // Up to 2 arrivals per us, so many share a microsecond.
    const phases = [ramp(5000, 0, 2), flat(3000, 0.5), flat(2000, 0), ramp(4000, 1, 0.1)];
    const process = new ArrivalProcess(schedule("poisson", phases, true), seedrandom.alea("p-ints"));
    const times = Array.from({ length: 100_000 }, () => process.next());
    expect(times.filter((t) => !Number.isInteger(t))).toEqual([]);
    expect(times.filter((t, i) => i > 0 && t < times[i - 1]!)).toEqual([]);
    expect(times.filter((t, i) => i > 0 && t === times[i - 1]!).length).toBeGreaterThan(1000);
    expect(times.at(-1)!).toBeGreaterThan(100_000); // it went through several repeats
  });
});

describe("ArrivalProcess, constant", () => {
  it("spaces arrivals evenly at 1/rate, starting one gap after time 0", () => {
    const process = new ArrivalProcess(schedule("constant", [flat(INF, 1e-3)]), noRandom);
    const times = Array.from({ length: 1000 }, () => process.next());
    expect(times).toEqual(Array.from({ length: 1000 }, (_, i) => 1000 * (i + 1)));
  });

  it("rounds a fractional spacing to the nearest microsecond without drifting", () => {
    const process = new ArrivalProcess(schedule("constant", [flat(INF, 3e-3)]), noRandom);
    const times = Array.from({ length: 3000 }, () => process.next());
    expect(times.slice(0, 4)).toEqual([333, 667, 1000, 1333]);
    expect(times).toEqual(Array.from({ length: 3000 }, (_, i) => Math.round(((i + 1) * 1000) / 3)));
  });

  it("follows flat phases exactly, then returns Infinity when the schedule ends", () => {
    const process = new ArrivalProcess(schedule("constant", [flat(10_000, 1e-3), flat(10_000, 2e-3)]), noRandom);
    const times = arrivalsUntil(process, INF);
    expect(times).toEqual([
      ...Array.from({ length: 10 }, (_, i) => 1000 * (i + 1)),
      ...Array.from({ length: 20 }, (_, i) => 10_000 + 500 * (i + 1)),
    ]);
    expect([process.next(), process.next()]).toEqual([INF, INF]);
  });

  it("puts the k-th arrival of a ramp from zero where the integral of the rate reaches k", () => {
    // 0 -> 10 000/s over 1 s: slope 1e-8 per us^2, Lambda(t) = 5e-9 t^2 = k at t = sqrt(2k / 1e-8).
    const process = new ArrivalProcess(schedule("constant", [ramp(1e6, 0, 0.01)]), noRandom);
    const times = arrivalsUntil(process, INF);
    expect(times).toHaveLength(5000); // the integral over the ramp
    expect(times.slice(0, 3)).toEqual([14142, 20000, 24495]);
    expect(times.at(-1)).toBe(1_000_000);
    expect(times.filter((t, i) => t !== Math.round(Math.sqrt((2 * (i + 1)) / 1e-8)))).toEqual([]);
  });

  it("on/off with repeat keeps exactly the on-phase's arrivals in each cycle, including the one at its end", () => {
    // 3 arrivals per 1 ms on-phase, the third exactly at the phase end, then 1 ms off.
    const process = new ArrivalProcess(schedule("constant", [flat(1000, 3e-3), flat(1000, 0)], true), noRandom);
    const times = Array.from({ length: 300 }, () => process.next());
    const expected = Array.from({ length: 100 }, (_, c) => [c * 2000 + 333, c * 2000 + 667, c * 2000 + 1000]).flat();
    expect(times).toEqual(expected);
  });

  it("repeats a ramp, an off phase and a flat phase with each phase's integral per cycle", () => {
    const phases = [ramp(1e6, 0.01, 0.002), flat(1e6, 0), flat(1e6, 0.001)];
    const process = new ArrivalProcess(schedule("constant", phases, true), noRandom);
    const times = arrivalsUntil(process, 9e6);
    const perPhase = Array.from({ length: 9 }, (_, i) => countIn(times, i * 1e6, (i + 1) * 1e6));
    expect(perPhase).toEqual([6000, 0, 1000, 6000, 0, 1000, 6000, 0, 1000]);
  });

  it("skips a zero-length phase", () => {
    const process = new ArrivalProcess(schedule("constant", [ramp(0, 0.001, 0.002), flat(INF, 1e-3)]), noRandom);
    expect([process.next(), process.next(), process.next()]).toEqual([1000, 2000, 3000]);
  });
});

describe("ArrivalProcess, schedule end", () => {
  it("returns Infinity after a finite schedule, for Poisson too", () => {
    const process = new ArrivalProcess(schedule("poisson", [flat(10_000, 1e-3)]), seedrandom.alea("end"));
    const times = arrivalsUntil(process, INF);
    expect(times.every((t) => t <= 10_000)).toBe(true);
    expect(times.length).toBeGreaterThan(0);
    expect(process.next()).toBe(INF);
  });

  it("returns Infinity when the last phase is an open-ended zero rate", () => {
    const process = new ArrivalProcess(schedule("constant", [flat(5000, 1e-3), flat(INF, 0)]), noRandom);
    expect(arrivalsUntil(process, INF)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(process.next()).toBe(INF);
  });

  it("returns Infinity for a repeating schedule whose every phase has rate zero", () => {
    const process = new ArrivalProcess(schedule("poisson", [flat(1000, 0), flat(500, 0)], true), seedrandom.alea("z"));
    expect(process.next()).toBe(INF);
  });

  it("returns Infinity immediately for a zero rate", () => {
    const process = new ArrivalProcess(schedule("poisson", [flat(INF, 0)]), seedrandom.alea("zero"));
    expect(process.next()).toBe(INF);
  });
});
