// Proves the Simulation kernel runs events in (time, priority, scheduling order), and honours cancel, stop, untilTime and maxEvents.
import { describe, expect, it } from "vitest";
import { EventBudgetExceeded, Priority, Simulation } from "../../src/engine/simulation.js";

const noop = () => {};
const generous = { untilTime: 1_000_000, maxEvents: 1_000_000 };

describe("Simulation", () => {
  it("runs interacting processes in time order (SimPy car/charger style), logging the exact trace", () => {
    const sim = new Simulation();
    const log: [string, number][] = [];

    // A car alternates parking (5 us) and driving (2 us); every other park it charges (3 extra us)
    // at a charger that takes 4 us to become ready after the car asks for it.
    let trips = 0;
    const drive = () => {
      log.push(["drive", sim.now]);
      sim.schedule(2, park);
    };
    const park = () => {
      log.push(["park", sim.now]);
      trips++;
      if (trips >= 4) return;
      if (trips % 2 === 0) {
        sim.schedule(4, chargerReady);
      } else {
        sim.schedule(5, drive);
      }
    };
    const chargerReady = () => {
      log.push(["charger-ready", sim.now]);
      sim.schedule(3, charged);
    };
    const charged = () => {
      log.push(["charged", sim.now]);
      sim.schedule(0, drive);
    };
    // An independent clock ticks every 6 us until time 20.
    const tick = (n: number) => {
      log.push([`tick-${n}`, sim.now]);
      if (sim.now + 6 <= 20) sim.schedule(6, tick, n + 1);
    };

    sim.schedule(0, park);
    sim.schedule(0, tick, 0);
    const outcome = sim.run(generous);

    expect(log).toEqual([
      ["park", 0],
      ["tick-0", 0],
      ["drive", 5],
      ["tick-1", 6],
      ["park", 7],
      ["charger-ready", 11],
      ["tick-2", 12],
      ["charged", 14],
      ["drive", 14],
      ["park", 16],
      ["tick-3", 18],
      ["drive", 21],
      ["park", 23],
    ]);
    expect(outcome).toEqual({ kind: "drained", events: 13, now: 23 });
    expect(sim.now).toBe(23);
    expect(sim.events).toBe(13);
    expect(sim.pending).toBe(0);
  });

  it("passes the scheduled argument to the handler", () => {
    const sim = new Simulation();
    const seen: number[] = [];
    sim.schedule(3, (arg) => seen.push(arg), 42);
    sim.schedule(1, (arg) => seen.push(arg), -7.5);
    sim.schedule(2, (arg) => seen.push(arg)); // default 0
    sim.run(generous);
    expect(seen).toEqual([-7.5, 0, 42]);
  });

  it("orders same-instant events by priority, then by scheduling order, including events scheduled during the instant", () => {
    const sim = new Simulation();
    const log: string[] = [];
    sim.schedule(10, () => {
      log.push("a");
      // Scheduled at the current instant: runs after everything already queued at the same priority.
      sim.schedule(0, () => log.push("a-child"));
      // A control event scheduled now still jumps ahead of queued normal work at this instant.
      sim.schedule(0, () => log.push("a-control-child"), 0, Priority.control);
    });
    sim.schedule(10, () => log.push("b"));
    sim.at(10, () => log.push("control"), 0, Priority.control);
    sim.schedule(9, () => log.push("earlier"), 0, 1023);
    sim.run(generous);
    expect(log).toEqual(["earlier", "control", "a", "a-control-child", "b", "a-child"]);
    expect(Priority.control).toBeLessThan(Priority.normal);
  });

  it("schedules relative to the current time with schedule() and at absolute times with at()", () => {
    const sim = new Simulation();
    const log: [string, number][] = [];
    sim.schedule(100, () => {
      log.push(["first", sim.now]);
      sim.schedule(50, () => log.push(["relative", sim.now]));
      sim.at(120, () => log.push(["absolute", sim.now]));
      sim.at(100, () => log.push(["absolute-now", sim.now]));
    });
    sim.run(generous);
    expect(log).toEqual([
      ["first", 100],
      ["absolute-now", 100],
      ["absolute", 120],
      ["relative", 150],
    ]);
  });

  it("rejects negative, fractional and non-numeric delays, and times in the past", () => {
    const sim = new Simulation();
    expect(() => sim.schedule(-1, noop)).toThrow(RangeError);
    expect(() => sim.schedule(1.5, noop)).toThrow(/non-negative integer/);
    expect(() => sim.schedule(Number.NaN, noop)).toThrow(RangeError);
    expect(() => sim.schedule(Number.POSITIVE_INFINITY, noop)).toThrow(RangeError);
    sim.schedule(10, () => {
      expect(() => sim.at(9, noop)).toThrow(RangeError);
    });
    expect(sim.run(generous)).toEqual({ kind: "drained", events: 1, now: 10 });
    expect(sim.pending).toBe(0);
  });

  describe("cancel", () => {
    it("skips a cancelled event without counting it, and leaves the others alone", () => {
      const sim = new Simulation();
      const log: string[] = [];
      sim.schedule(1, () => log.push("a"));
      const b = sim.schedule(2, () => log.push("b"));
      sim.schedule(3, () => log.push("c"));
      expect(sim.pending).toBe(3);
      sim.cancel(b);
      expect(sim.pending).toBe(2);
      expect(sim.run(generous)).toEqual({ kind: "drained", events: 2, now: 3 });
      expect(log).toEqual(["a", "c"]);
      expect(sim.pending).toBe(0);
    });

    it("can cancel from inside a handler, including an event due at the same instant", () => {
      const sim = new Simulation();
      const log: string[] = [];
      let timeout = -1;
      sim.schedule(5, () => {
        log.push("reply");
        sim.cancel(timeout);
      });
      timeout = sim.schedule(5, () => log.push("timeout"));
      sim.schedule(5, () => log.push("other"));
      sim.run(generous);
      expect(log).toEqual(["reply", "other"]);
    });

    it("treats cancel(-1) and cancelling an event that already ran as no-ops for what runs", () => {
      const sim = new Simulation();
      const log: string[] = [];
      const first = sim.schedule(1, () => log.push("first"));
      sim.cancel(-1);
      expect(sim.pending).toBe(1);
      sim.run(generous);
      sim.cancel(first);
      sim.schedule(1, () => log.push("second"));
      sim.schedule(2, () => log.push("third"));
      expect(sim.run(generous)).toEqual({ kind: "drained", events: 3, now: 3 });
      expect(log).toEqual(["first", "second", "third"]);
    });

    it("drops a cancelled event that lies beyond untilTime only when it would run", () => {
      const sim = new Simulation();
      const log: string[] = [];
      const late = sim.schedule(50, () => log.push("late"));
      sim.schedule(60, () => log.push("later"));
      sim.cancel(late);
      expect(sim.run({ untilTime: 40, maxEvents: 100 })).toEqual({ kind: "time-limit", events: 0, now: 40 });
      expect(sim.run({ untilTime: 100, maxEvents: 100 })).toEqual({ kind: "drained", events: 1, now: 60 });
      expect(log).toEqual(["later"]);
    });
  });

  describe("stop", () => {
    it("returns after the current event, and a later run resumes with the rest", () => {
      const sim = new Simulation();
      const log: number[] = [];
      for (let i = 1; i <= 5; i++) {
        sim.schedule(i * 10, () => {
          log.push(sim.now);
          if (sim.now === 20) sim.stop();
        });
      }
      expect(sim.run(generous)).toEqual({ kind: "stopped", events: 2, now: 20 });
      expect(log).toEqual([10, 20]);
      expect(sim.pending).toBe(3);
      // stop() applied to that run only: the next run goes to the end.
      expect(sim.run(generous)).toEqual({ kind: "drained", events: 5, now: 50 });
      expect(log).toEqual([10, 20, 30, 40, 50]);
    });

    it("does not carry a stop() requested outside a run into the next run", () => {
      const sim = new Simulation();
      sim.schedule(1, noop);
      sim.schedule(2, noop);
      sim.stop();
      expect(sim.run(generous)).toEqual({ kind: "drained", events: 2, now: 2 });
    });
  });

  describe("untilTime", () => {
    it("is an inclusive bound: returns time-limit with the clock at the bound, then resumes", () => {
      const sim = new Simulation();
      const ran: number[] = [];
      for (const t of [10, 20, 30]) sim.schedule(t, () => ran.push(sim.now));
      expect(sim.run({ untilTime: 20, maxEvents: 100 })).toEqual({ kind: "time-limit", events: 2, now: 20 });
      expect(sim.run({ untilTime: 25, maxEvents: 100 })).toEqual({ kind: "time-limit", events: 2, now: 25 });
      expect(sim.now).toBe(25);
      // New work is relative to the advanced clock.
      sim.schedule(1, () => ran.push(sim.now));
      expect(sim.run({ untilTime: 100, maxEvents: 100 })).toEqual({ kind: "drained", events: 4, now: 30 });
      expect(ran).toEqual([10, 20, 26, 30]);
    });

    it("reports drained with the clock at the last event when work runs out before the bound", () => {
      const sim = new Simulation();
      sim.schedule(7, noop);
      expect(sim.run({ untilTime: 1000, maxEvents: 100 })).toEqual({ kind: "drained", events: 1, now: 7 });
      expect(new Simulation().run({ untilTime: 1000, maxEvents: 100 })).toEqual({ kind: "drained", events: 0, now: 0 });
    });

    it("with untilTime Infinity runs until the queue drains", () => {
      const sim = new Simulation();
      let count = 0;
      const step = () => {
        count++;
        if (count < 10) sim.schedule(1000, step);
      };
      sim.schedule(0, step);
      expect(sim.run({ untilTime: Number.POSITIVE_INFINITY, maxEvents: 100 })).toEqual({
        kind: "drained",
        events: 10,
        now: 9000,
      });
    });
  });

  describe("maxEvents", () => {
    it("throws EventBudgetExceeded when a runaway scenario would run more events than the budget", () => {
      const sim = new Simulation();
      const forever = () => {
        sim.schedule(3, forever);
      };
      sim.schedule(0, forever);
      let error: unknown;
      try {
        sim.run({ untilTime: 1_000_000, maxEvents: 100 });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(EventBudgetExceeded);
      const budget = error as EventBudgetExceeded;
      expect(budget.maxEvents).toBe(100);
      // The 100th event ran at 99 * 3 us; the 101st was refused.
      expect(budget.now).toBe(297);
      expect(budget.message).toBe("the simulation ran 100 events without finishing (simulated time 297 us)");
      expect(sim.events).toBe(100);
    });

    it("allows exactly maxEvents events", () => {
      const sim = new Simulation();
      for (let i = 0; i < 5; i++) sim.schedule(i, noop);
      expect(sim.run({ untilTime: 100, maxEvents: 5 })).toEqual({ kind: "drained", events: 5, now: 4 });
    });

    it("does not count cancelled events against the budget", () => {
      const sim = new Simulation();
      for (let i = 0; i < 5; i++) {
        const id = sim.schedule(i, noop);
        if (i % 2 === 0) sim.cancel(id);
      }
      expect(sim.run({ untilTime: 100, maxEvents: 2 })).toEqual({ kind: "drained", events: 2, now: 3 });
    });
  });

  it("reports progress every progressEvery events with the current time", () => {
    const sim = new Simulation();
    for (let i = 1; i <= 10; i++) sim.schedule(i * 5, noop);
    const progress: number[] = [];
    sim.run({ untilTime: 1000, maxEvents: 100, progressEvery: 3, onProgress: (now) => progress.push(now) });
    expect(progress).toEqual([15, 30, 45]);
  });

  it("keeps order exact across a queue larger than the kernel's initial capacity", () => {
    const sim = new Simulation();
    const ran: number[] = [];
    // 3000 events over 100 distinct instants, scheduled in descending time order.
    for (let i = 2999; i >= 0; i--) sim.schedule(i % 100, () => ran.push(i));
    expect(sim.run(generous)).toEqual({ kind: "drained", events: 3000, now: 99 });
    const expected = Array.from({ length: 3000 }, (_, i) => 2999 - i).sort((a, b) => (a % 100) - (b % 100));
    expect(ran).toEqual(expected);
  });
});
