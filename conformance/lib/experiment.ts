/**
 * The conformance suite's vocabulary. An experiment drives a real broker with a
 * controlled workload and fault, measures named figures, runs the same
 * experiment as a queuesim scenario, and compares each figure by a stated rule.
 */
import type { Run } from "../../src/index.js";

export type BrokerName = "rabbitmq" | "redis" | "kafka" | "bullmq";

/** What an experiment measures, by name. Counts are plain numbers; times are in milliseconds and named `...Ms`. */
export type Figures = Record<string, number>;

/**
 * How a simulated figure is compared with the real one.
 * - exact: equal.
 * - band: |simulated - real| <= max(absolute, relative * |real|); `why` says where the slack comes from
 *   (timing noise on a shared 2-core machine, a kernel buffer that varies by a few KB, ...).
 * - within: the simulated figure lies in [min, max] (for a real figure known only as a range, or
 *   where the real figure is inherently random and the theory gives the range); `why` as for band.
 */
export type Rule =
  | { kind: "exact" }
  | { kind: "band"; absolute?: number; relative?: number; why: string }
  | { kind: "within"; min: number; max: number; why: string };

/**
 * One experiment. `F` is the fixture its broker's suite shares (a running server or cluster):
 * see BrokerSuite.
 */
export interface Experiment<F> {
  /** Stable and unique: "<broker>/<kebab-name>", e.g. "rabbitmq/autoack-crash-socket-bound". */
  id: string;
  /** One line: what it shows. */
  title: string;
  /** A paragraph for docs/conformance.md: the workload, the fault, what is counted. */
  description: string;
  /** Which item of the conformance issue or which behaviour it pins (e.g. "crash detection"). */
  behaviour: string;
  /** Runs against the real broker and returns the measured figures. */
  real(fixture: F, context: RealContext): Promise<Figures>;
  /** The same experiment as a queuesim scenario, as a user would write it (a YAML file's content as an object). */
  scenario(): Record<string, unknown>;
  /** Reads the same figures from the simulated run. */
  simulated(run: Run): Figures;
  /** One rule per figure; every figure of `real` must have one. */
  rules: Record<string, Rule>;
  /** A disagreement the project knows of and accepts for now: reported, not failed. Say why. */
  known?: { figures: string[]; reason: string };
  /** Give up on the real side after this long (default 60 s). */
  timeoutMs?: number;
}

export interface RealContext {
  /** A fresh temporary folder for this experiment (data directories, logs). */
  dir: string;
  /** A line for the suite's log (shown with --verbose and on failure). */
  log(line: string): void;
  /** A private loopback port nobody else in this run uses. */
  port(): Promise<number>;
}

/** Everything one broker's experiments need: how to start what they share, and the experiments. */
export interface BrokerSuite<F> {
  broker: BrokerName;
  /** Starts the shared fixture (a server, a cluster) in `dir`, on private loopback ports. */
  setUp(dir: string, context: RealContext): Promise<F>;
  /** Stops every process setUp started, by PID. */
  tearDown(fixture: F): Promise<void>;
  /** The real server's version, as the server reports it (e.g. "3.10.8"). */
  version(fixture: F): string;
  experiments: Experiment<F>[];
}

/** The outcome of one figure's comparison. */
export interface FigureVerdict {
  figure: string;
  real: number;
  simulated: number;
  rule: Rule;
  agrees: boolean;
}

/** The outcome of one experiment. */
export interface ExperimentVerdict {
  id: string;
  broker: BrokerName;
  version: string;
  title: string;
  behaviour: string;
  description: string;
  figures: FigureVerdict[];
  /** agree: every figure within its rule; known: a listed disagreement; disagree: fails the suite; error: the experiment could not run. */
  verdict: "agree" | "known" | "disagree" | "error";
  knownReason?: string;
  error?: string;
  realMs: number;
}
