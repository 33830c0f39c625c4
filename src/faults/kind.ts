import type * as z from "zod";
import type { Rng } from "../random/streams.js";
import type { Components } from "./components.js";
import type { Timing } from "./timing.js";
import type { FaultWorld } from "./world.js";

/**
 * One kind of fault, in one module: how it is written, how its targets are
 * checked and resolved, and what it does when an occurrence starts. Kinds are
 * listed in registry.ts. The shared scheduling (at, every, stableFor, the heal
 * at duration) is the injector's; a kind only acts and says how to undo it.
 *
 * `Written` is the fault as parsed by `Schema` (narrowed to this kind),
 * `Normal` the fault with every target resolved to indices, `Effects` what an
 * occurrence reports.
 */
export interface FaultKind<
  Schema extends z.ZodObject,
  Written extends z.output<Schema>,
  Normal extends NormalFault,
  Effects extends object,
> {
  kind: Normal["kind"];
  /** The written form: one member of the `faults:` union. Kinds written alike (the crashes) share one object. */
  schema: Schema;
  /** Whether a parsed fault is of this kind. */
  is(spec: object): spec is Written;
  /** Problems with the written form that its shape cannot express, reported by the scenario schema. */
  refine?(spec: Written, issues: IssueSink): void;
  /** Names the scenario does not have, checked after the schema. `at` is the path of the fault. */
  checkTargets(spec: Written, at: Path, components: Components): TargetProblem[];
  /** The fault with its targets resolved to indices, once targets have been checked. */
  normalize(spec: Written, index: number, components: Components): Normal;
  /** Starts one occurrence (for a whole-run fault, the only one, as the run starts). */
  inject(fault: Normal, injection: Injection<Effects>): void;
  /** Fills in effects known only when the run has ended. */
  finish?(effects: Effects, world: FaultWorld): void;
}

/** What every normalized fault has. */
export interface NormalFault {
  kind: string;
  /** Position in the scenario's `faults` list. */
  index: number;
  /** When occurrences start, or "whole-run" for a fault that holds from 0 to duration (poison). */
  timing: Timing | "whole-run";
}

export type Path = (string | number)[];

export interface TargetProblem {
  path: Path;
  message: string;
  /** Names that would have been valid, for "did you mean". */
  candidates: string[];
}

/** Where a kind reports problems with its written form (zod's refinement context, narrowed). */
export interface IssueSink {
  addIssue(issue: { code: "custom"; message: string; path?: Path }): void;
}

/** One occurrence as it is being recorded; times in microseconds. */
export interface Occurrence<Effects extends object> {
  /** Index of the fault in the scenario's `faults` list. */
  fault: number;
  kind: string;
  target: string;
  start: number;
  end: number;
  effects: Effects;
}

/** What a kind's `inject` may do, for one occurrence of one fault. */
export interface Injection<Effects extends object> {
  readonly world: FaultWorld;
  /** The fault's stream for random picks (`fault:<i>:target`). */
  readonly pick: Rng;
  /** A stream for this occurrence alone: `fault:<i>:<purpose>@<now>`. */
  stream(purpose: string): Rng;
  /** The fault hits `target` from now: records an occurrence and tells the observers. */
  begin(target: string, effects: Effects): Occurrence<Effects>;
  /** Ends `occurrence` at `at` (or at the heal, if sooner) and runs `undo` then. */
  endAt(occurrence: Occurrence<Effects>, at: number, undo: () => void): void;
  /** Nothing to act on (no target up): a random fault waits for its next occurrence as if this one had ended. */
  nothingToDo(): void;
  /** Runs `action` at the heal, whether or not the occurrence has started. */
  onHeal(action: () => void): void;
}

/** Helps TypeScript infer a kind's types from its definition. */
export function defineFaultKind<
  Schema extends z.ZodObject,
  Written extends z.output<Schema>,
  Normal extends NormalFault,
  Effects extends object,
>(kind: FaultKind<Schema, Written, Normal, Effects>): FaultKind<Schema, Written, Normal, Effects> {
  return kind;
}
