import { Priority } from "../engine/simulation.js";
import { samplerFor } from "../random/distributions.js";
import type { Rng } from "../random/streams.js";
import type { Injection, Occurrence } from "./kind.js";
import { type Fault, type FaultEffects, type FaultKindName, kindNamed } from "./registry.js";
import type { Timing } from "./timing.js";
import type { FaultWorld } from "./world.js";

/** One fault as it happened: what, to whom, when, and what it did. Times in microseconds. */
export interface FaultOccurrence {
  /** Index of the fault in the scenario's `faults` list. */
  fault: number;
  kind: FaultKindName;
  target: string;
  start: number;
  end: number;
  effects: FaultEffects;
}

/**
 * Turns the normalized faults into events. Every fault ends by the scenario's
 * `duration`: crashed components restart and windows close, so the drain that
 * follows shows what was lost rather than what was still stuck. Random choices
 * (when, which instance) come from per-fault streams. What each kind does is
 * its own module's; the scheduling is here.
 */
export class FaultInjector {
  readonly occurrences: FaultOccurrence[] = [];
  private readonly healers: (() => void)[] = [];
  /** The scenario's duration has passed: anything that ends from now on ends at once. */
  private healed = false;

  constructor(
    private readonly faults: readonly Fault[],
    private readonly world: FaultWorld,
  ) {}

  start(): void {
    if (this.faults.length === 0) return;
    for (const fault of this.faults) {
      if (fault.timing === "whole-run") this.holdWholeRun(fault);
      else this.plan(fault, fault.timing);
    }
    this.world.sim.at(this.world.duration, () => this.healAll(), 0, Priority.control);
  }

  /** Effects known only at the end (poison counts). */
  finish(): void {
    for (const occurrence of this.occurrences) kindNamed(occurrence.kind).finish?.(occurrence.effects, this.world);
  }

  /** A whole-run fault has one occurrence, from 0 to duration, with no start or end event for observers. */
  private holdWholeRun(fault: Fault): void {
    const { duration } = this.world;
    const drawsNothing = (): never => {
      throw new Error(`invariant: whole-run fault ${fault.index} (${fault.kind}) drew a random number`);
    };
    const wholeRun: Injection<object> = {
      world: this.world,
      pick: drawsNothing,
      stream: drawsNothing,
      begin: (target, effects) =>
        this.record({ fault: fault.index, kind: fault.kind, target, start: 0, end: duration, effects }),
      endAt: () => {},
      nothingToDo: () => {},
      onHeal: () => {},
    };
    kindNamed(fault.kind).inject(fault, wholeRun);
  }

  private plan(fault: Fault, timing: Timing): void {
    const { streams, sim, duration } = this.world;
    const index = fault.index;
    const every = timing.every === null ? null : samplerFor(timing.every, streams.stream(`fault:${index}:every`));
    const pick = streams.stream(`fault:${index}:target`);
    const firstAt = timing.at + (every ? Math.round(every()) : 0);
    const begin = (at: number): void => {
      // Strictly later than now, so faults whose windows and waits are all zero cannot spin at one instant.
      at = Math.max(at, sim.now + (every ? 1 : 0));
      if (at >= duration) return;
      sim.at(
        at,
        () =>
          this.begin(fault, pick, (endedAt) => {
            if (every) begin(endedAt + Math.max(timing.stableFor, Math.round(every())));
          }),
        0,
        Priority.control,
      );
    };
    begin(firstAt);
  }

  /** Starts one occurrence; `onEnd` receives the time it ended. */
  private begin(fault: Fault, pick: Rng, onEnd: (at: number) => void): void {
    const { sim, observer, streams } = this.world;
    let ended = false;
    // With several targets, the first to recover starts the wait for the next random fault.
    const endOnce = (at: number): void => {
      if (ended) return;
      ended = true;
      onEnd(at);
    };
    const injection: Injection<object> = {
      world: this.world,
      pick,
      stream: (purpose) => streams.stream(`fault:${fault.index}:${purpose}@${sim.now}`),
      begin: (target, effects) => {
        const { kind, index } = fault;
        const record = this.record({ fault: index, kind, target, start: sim.now, end: this.world.duration, effects });
        observer.fault(kind, target, true, sim.now);
        return record;
      },
      endAt: (record, at, undo) => this.endAt(record, at, undo, endOnce),
      nothingToDo: () => endOnce(sim.now),
      onHeal: (action) => this.healers.push(action),
    };
    kindNamed(fault.kind).inject(fault, injection);
  }

  private record<Effects extends object>(occurrence: Occurrence<Effects>): Occurrence<Effects> {
    this.occurrences.push(occurrence as FaultOccurrence);
    return occurrence;
  }

  /** Ends `record` at `at`, or at the heal if that comes first, undoing the fault. */
  private endAt(record: Occurrence<object>, at: number, undo: () => void, endOnce: (at: number) => void): void {
    const { sim, observer, duration } = this.world;
    let done = false;
    const end = (): void => {
      if (done) return;
      done = true;
      record.end = sim.now;
      observer.fault(record.kind, record.target, false, sim.now);
      undo();
      endOnce(sim.now);
    };
    // A clean stop can finish draining after the heal: then its consumer restarts at once.
    if (this.healed) {
      sim.at(sim.now, end, 0, Priority.control);
      return;
    }
    this.healers.push(end);
    if (at < duration) sim.at(at, end, 0, Priority.control);
  }

  private healAll(): void {
    this.healed = true;
    for (const heal of this.healers.splice(0)) heal();
  }
}
