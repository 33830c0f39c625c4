/**
 * Problems found in a scenario, and every message shown to the user about them.
 * Finding problems (load.ts) is kept apart from wording them (here), so the
 * wording lives in one catalogue and reads the same everywhere.
 */
export type IssueCode =
  | "syntax"
  | "unreadable"
  | "unknown-field"
  | "missing-field"
  | "wrong-type"
  | "unknown-value"
  | "out-of-range"
  | "invalid"
  /** Not an error: a setting the simulated system adjusts as the real one would, with a warning. */
  | "adjusted";

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface ScenarioIssue {
  code: IssueCode;
  /** Field path from the document root, e.g. ["consumers", 0, "processing"]. */
  path: (string | number)[];
  message: string;
  hint?: string;
  location?: SourceLocation;
}

export const messages = {
  unknownField: (field: string) => `unknown field "${field}"`,
  missingField: (field: string, expected?: string) =>
    `missing required field "${field}"${expected ? ` (expected ${expected})` : ""}`,
  wrongType: (expected: string, found: string) => `expected ${expected}, found ${found}`,
  unknownValue: (found: string, allowed: readonly string[]) =>
    `expected one of ${allowed.map((v) => `"${v}"`).join(", ")}, found ${found}`,
  outOfRange: (tooSmall: boolean, inclusive: boolean, bound: string, found: string) =>
    `expected ${tooSmall ? (inclusive ? "at least" : "more than") : inclusive ? "at most" : "less than"} ${bound}, found ${found}`,
  expectedFound: (expected: string, found: string) => `expected ${expected}, found ${found}`,
  didYouMean: (suggestion: string) => `did you mean "${suggestion}"?`,
  settingOfOtherProfile: (setting: string, owners: readonly string[], profile: string) =>
    `"${setting}" is a setting of ${owners.join(", ")}; it does not apply to ${profile}`,
  validKeys: (keys: readonly string[]) => `valid fields here: ${keys.join(", ")}`,
  unreadable: (reason: string) => `cannot read the scenario file: ${reason}`,
  notAnObject: (found: string) => `a scenario file must hold a mapping (name: ..., duration: ..., ...), found ${found}`,
  duplicateField: (field: string, firstLine: number) =>
    `field "${field}" is given twice; the first is on line ${firstLine}`,
  warningIn: (file: string) => `warning in ${file}:`,
  notFinite: (written: string) => `expected a finite number, found ${written}`,
  numberTooLarge: (limit: number, written: string) =>
    `expected a number between -${limit} and ${limit}, found ${written}`,
  fileTooLarge: (megabytes: string, limitMegabytes: number) =>
    `the scenario file is ${megabytes} MB; the limit is ${limitMegabytes} MB, so it is not read`,
  aliasBomb: (limit: number) =>
    `the YAML aliases here expand into more than ${limit} copies (an "alias bomb"); write the values out instead`,
  nestedTooDeeply: () => "the YAML is nested too deeply to read (thousands of levels); a scenario needs a handful",
  issuesFound: (count: number, file: string) => `${count} problem${count === 1 ? "" : "s"} in ${file}`,
} as const;

/** How a found value is shown: short, typed, never the whole subtree. */
export function describeFound(input: unknown): string {
  if (input === undefined) return "nothing";
  if (input === null) return "null";
  if (Array.isArray(input)) return `a list of ${input.length}`;
  if (typeof input === "object") return "a mapping";
  if (typeof input === "string") return JSON.stringify(input.length > 40 ? `${input.slice(0, 37)}...` : input);
  return `${typeof input} ${String(input)}`;
}

/** Field path as users write it: consumers[0].processing. */
export function formatPath(path: readonly (string | number)[]): string {
  let text = "";
  for (const segment of path) {
    text += typeof segment === "number" ? `[${segment}]` : text === "" ? segment : `.${segment}`;
  }
  return text === "" ? "(top level)" : text;
}

/** One issue per line: file:line:column  path: message (hint). */
export function formatIssue(issue: ScenarioIssue, fallbackFile: string): string {
  const where = issue.location
    ? `${issue.location.file}:${issue.location.line}:${issue.location.column}`
    : fallbackFile;
  const hint = issue.hint ? `\n    ${issue.hint}` : "";
  return `${where}  ${formatPath(issue.path)}: ${issue.message}${hint}`;
}

/** The closest candidate within a small edit distance, for "did you mean". */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const lowered = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === lowered ? 0 : editDistance(lowered, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = value;
    }
  }
  return d[rows * cols - 1]!;
}
