/**
 * Rule evaluation: pure functions from measured and simulated figures to verdicts.
 * No I/O, so the whole of it is unit-tested without a broker.
 */
import type { ExperimentVerdict, Figures, FigureVerdict, Rule } from "./experiment.js";

/** Whether `simulated` agrees with `real` under `rule`. A figure that is not a finite number never agrees. */
export function agrees(real: number, simulated: number, rule: Rule): boolean {
  if (!Number.isFinite(real) || !Number.isFinite(simulated)) return false;
  switch (rule.kind) {
    case "exact":
      return simulated === real;
    case "band":
      return Math.abs(simulated - real) <= bandWidth(real, rule);
    case "within":
      return simulated >= rule.min && simulated <= rule.max;
  }
}

/** The slack a band allows around `real`: the larger of its absolute and relative parts. */
export function bandWidth(real: number, rule: { absolute?: number; relative?: number }): number {
  return Math.max(rule.absolute ?? 0, (rule.relative ?? 0) * Math.abs(real));
}

/** A rule in a few words, for tables: "exact", "±max(2, 5%)", "in [3, 7]". */
export function describeRule(rule: Rule): string {
  switch (rule.kind) {
    case "exact":
      return "exact";
    case "band": {
      const parts = [
        ...(rule.absolute === undefined ? [] : [String(rule.absolute)]),
        ...(rule.relative === undefined ? [] : [`${round(rule.relative * 100)}%`]),
      ];
      return parts.length === 1 ? `±${parts[0]}` : `±max(${parts.join(", ")})`;
    }
    case "within":
      return `in [${rule.min}, ${rule.max}]`;
  }
}

/** What an experiment's comparison needs to know about it. */
export interface Judged {
  rules: Record<string, Rule>;
  known?: { figures: string[]; reason: string };
}

/** The figure verdicts and overall verdict of one experiment, or the reason it is an error. */
export type Judgement =
  | { verdict: "agree" | "known" | "disagree"; figures: FigureVerdict[] }
  | { verdict: "error"; figures: FigureVerdict[]; error: string };

/**
 * Compares every real figure with its simulated twin. A figure without a rule, a rule
 * without a figure, or a figure the simulation does not give is an error in the experiment
 * itself: it is reported rather than silently skipped, so a typo cannot turn into "agree".
 */
export function judge(experiment: Judged, real: Figures, simulated: Figures): Judgement {
  const problems = structuralProblems(experiment.rules, real, simulated);
  const figures = Object.keys(real)
    .filter((name) => experiment.rules[name] !== undefined && simulated[name] !== undefined)
    .map((name) => figureVerdict(name, real[name]!, simulated[name]!, experiment.rules[name]!));
  if (problems.length > 0) return { verdict: "error", figures, error: problems.join("; ") };
  const failed = figures.filter((f) => !f.agrees).map((f) => f.figure);
  if (failed.length === 0) return { verdict: "agree", figures };
  const known = experiment.known?.figures ?? [];
  return { verdict: failed.every((name) => known.includes(name)) ? "known" : "disagree", figures };
}

function figureVerdict(figure: string, real: number, simulated: number, rule: Rule): FigureVerdict {
  return { figure, real, simulated, rule, agrees: agrees(real, simulated, rule) };
}

function structuralProblems(rules: Record<string, Rule>, real: Figures, simulated: Figures): string[] {
  const measured = Object.keys(real);
  return [
    ...measured.filter((name) => rules[name] === undefined).map((name) => `figure "${name}" has no rule`),
    ...Object.keys(rules)
      .filter((name) => real[name] === undefined)
      .map((name) => `rule for "${name}" but the real side did not measure it`),
    ...measured
      .filter((name) => simulated[name] === undefined)
      .map((name) => `figure "${name}" is missing from simulated()`),
  ];
}

/** Counts of each verdict and the share that agree (known disagreements are not agreement). */
export function tally(verdicts: readonly Pick<ExperimentVerdict, "verdict">[]): {
  total: number;
  agree: number;
  known: number;
  disagree: number;
  error: number;
  agreePercent: number;
} {
  const count = (kind: ExperimentVerdict["verdict"]) => verdicts.filter((v) => v.verdict === kind).length;
  const total = verdicts.length;
  const agree = count("agree");
  const agreePercent = total === 0 ? 0 : round((agree / total) * 100);
  return { total, agree, known: count("known"), disagree: count("disagree"), error: count("error"), agreePercent };
}

/** The suite's last line: "N experiments: A agree, K known, D disagree, E errors (P% agree)". */
export function tallyLine(verdicts: readonly Pick<ExperimentVerdict, "verdict">[]): string {
  const t = tally(verdicts);
  return `${t.total} experiments: ${t.agree} agree, ${t.known} known, ${t.disagree} disagree, ${t.error} errors (${t.agreePercent}% agree)`;
}

/** Whether the suite passes: nothing disagrees unexpectedly and nothing failed to run. */
export function suitePassed(verdicts: readonly Pick<ExperimentVerdict, "verdict">[]): boolean {
  return verdicts.every((v) => v.verdict === "agree" || v.verdict === "known");
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
