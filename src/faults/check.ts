import type { Path, TargetProblem } from "./kind.js";

/** No problem if `value` is one of `allowed`; otherwise one, offering `allowed` for "did you mean". */
export function expectOneOf(path: Path, value: string, allowed: string[], what: string): TargetProblem[] {
  return allowed.includes(value) ? [] : [{ path, message: `"${value}" is not ${what}`, candidates: allowed }];
}

/** A problem with no name to suggest instead. */
export function problem(path: Path, message: string): TargetProblem[] {
  return [{ path, message, candidates: [] }];
}
