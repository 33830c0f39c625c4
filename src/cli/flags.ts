/**
 * Command-line values checked where yargs reads them, one helper for every command: a numeric flag is
 * declared as a string and converted here, so `--replications abc` is refused naming what was typed
 * instead of turning into NaN, and a bare `--seed` is refused instead of quietly meaning 0.
 */
import { runDefaults } from "./run-defaults.js";
import { UsageError } from "./usage.js";

/** The largest count a flag accepts: far more runs or threads than any machine finishes. */
export const MAX_FLAG_COUNT = 1_000_000;
const MAX_SEED = 2 ** 32 - 1;

interface IntegerRange {
  min: number;
  max: number;
}

/** The text a flag was given, the last one when it was given twice (as a shell user expects). */
function lastValue(flag: string, value: unknown): unknown {
  return Array.isArray(value) ? lastValue(flag, value[value.length - 1]) : value;
}

/** The refusal of one flag's value: the flag, what it takes, what it got. */
export function flagError(flag: string, expected: string, found: unknown): UsageError {
  const shown = found === "" || found === undefined || found === true ? "nothing" : JSON.stringify(String(found));
  return new UsageError(`--${flag}: expected ${expected}, found ${shown}`);
}

/** A yargs `coerce` for an integer flag within [min, max]; an absent flag stays undefined. */
export function integerFlag(flag: string, range: IntegerRange): (value: unknown) => number | undefined {
  return (given: unknown) => {
    const value = lastValue(flag, given);
    if (value === undefined) return undefined;
    const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
    const expected = `an integer from ${range.min} to ${range.max}`;
    // Digits only: "1e3", "0x10" and "2.5" are refused rather than read as something the user may not mean.
    if (!/^-?\d+$/.test(text)) throw flagError(flag, expected, value);
    const number = Number(text);
    if (number < range.min || number > range.max) throw flagError(flag, expected, value);
    return number;
  };
}

/** --seed: a scenario seed, 0 to 2^32 - 1. */
export const seedFlag = integerFlag("seed", { min: 0, max: MAX_SEED });
/** --workers: worker threads, at least 1. */
export const workersFlag = integerFlag("workers", { min: 1, max: 1024 });
/** --replications for `run` and `sweep`: at least 1. */
export const replicationsFlag = integerFlag("replications", { min: 1, max: MAX_FLAG_COUNT });

/** --max-replications: the sequential procedure needs two replications to estimate a variance. */
export const maxReplicationsFlag = integerFlag("max-replications", { min: 2, max: MAX_FLAG_COUNT });

/** A yargs `coerce` for a flag that names a path: given once, not empty. */
export function pathFlag(flag: string): (value: unknown) => string | undefined {
  return (given: unknown) => {
    const value = lastValue(flag, given);
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value.trim() === "") throw flagError(flag, "a path", value);
    return value;
  };
}

/** --out: the reports directory, "reports" unless given. */
export function outFlag(given: unknown): string {
  return pathFlag("out")(given) ?? runDefaults.out;
}

/**
 * The run budget, checked before the first simulation: `runs` simulations (worked out as `how`) against
 * the scenario's limits.maxRuns, naming the flag that asked for them.
 */
export function refuseTooManyRuns(budget: { runs: number; how: string; maxRuns: number; flag: string }): void {
  if (budget.runs <= budget.maxRuns) return;
  throw new UsageError(
    `this needs ${budget.runs} simulations (${budget.how}); limits.maxRuns is ${budget.maxRuns}: ask for fewer (${budget.flag}) or raise limits.maxRuns in the scenario`,
  );
}

/** --profiles: comma-separated names; given but naming none (`--profiles ,`) is refused, not read as "all". */
export function profilesFlag(given: unknown): string[] | undefined {
  const value = lastValue("profiles", given);
  if (value === undefined) return undefined;
  const names = String(value)
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (names.length === 0 || value === true) throw flagError("profiles", "comma-separated profile names", value);
  return names;
}
