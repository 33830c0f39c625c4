import { readFileSync, statSync } from "node:fs";
import { createRequire as requireFromHere } from "node:module";
import type { Document, LineCounter } from "yaml";
import type * as z from "zod";
import { profiles } from "../brokers/profiles.js";
import { brokerWarnings } from "../brokers/registry.js";
import { faultTargetProblems } from "../faults/targets.js";
import { batchProblems, expectBatchProblems } from "./batching.js";
import { brokerRetryProblems } from "./broker-retry.js";
import { brokerProblems, onEachBroker } from "./brokers.js";
import { budgetIssues } from "./budgets.js";
import { delayProblems } from "./delays.js";
import { flowProblems } from "./flows.js";
import { closestMatch, describeFound, messages, type ScenarioIssue, type SourceLocation } from "./issues.js";
import { MAX_PLAIN_NUMBER, overlaps, unusableNumbers } from "./numbers.js";
import { expectPatternProblems, patternProblems } from "./patterns.js";
import { redriveProblems } from "./redrive.js";
import { requestProblems } from "./requests.js";
import { routingProblems } from "./routing.js";
import { sagaProblems } from "./sagas.js";
import { expectScheduleProblems } from "./schedule-bounds.js";
import { duplicateNames, type ParsedScenario, scenarioSchemaFor } from "./schema.js";
import { allowedKeysAt, unionOptionAt } from "./schema-walk.js";
import { writesProblems } from "./writes.js";

/**
 * The YAML parser is loaded on first use rather than at import: a scenario given as an object (the library
 * API, sweeps' variants, the benchmark) is never parsed as text, and loading yaml costs ~10 ms of start-up.
 * In a bundle (dist/, the benchmark) `require` exists and the literal `require("yaml")` lets esbuild include
 * yaml as one lazily run module, about 15 ms faster to load than its 74 files; from the sources (tsx,
 * vitest) there is no `require` in an ES module, so one is made.
 */
let yamlModule: typeof import("yaml") | undefined;
function yaml(): typeof import("yaml") {
  yamlModule ??= (
    typeof require === "function" ? require("yaml") : requireFromHere(import.meta.url)("yaml")
  ) as typeof import("yaml");
  return yamlModule;
}

/** Scenario files are a few kilobytes; anything over this is refused before it is read or parsed. */
export const MAX_SCENARIO_FILE_MB = 10;
/** Aliases that `toJS` may expand; beyond this the yaml library stops an exponential "billion laughs" document. */
const MAX_ALIAS_COUNT = 100;

export type LoadResult =
  /** `data` is the file as written, before defaults: variants (compare, sweeps) start from it. */
  | {
      ok: true;
      scenario: ParsedScenario;
      file: string;
      data: Record<string, unknown>;
      /** Settings adjusted as the real system would (code "adjusted"): the run goes ahead, the user is told. */
      warnings: ScenarioIssue[];
    }
  | { ok: false; issues: ScenarioIssue[]; file: string };

/** Reads, parses and validates a scenario file (YAML or JSON), collecting every problem. */
export function loadScenarioFile(file: string): LoadResult {
  let text: string;
  try {
    const bytes = statSync(file).size;
    if (bytes > MAX_SCENARIO_FILE_MB * 1_000_000) return fileTooLarge(file, bytes);
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : String((error as Error).message);
    return { ok: false, file, issues: [{ code: "unreadable", path: [], message: messages.unreadable(reason) }] };
  }
  return parseScenarioText(text, file);
}

/** The parser's first line, except a stack overflow, which is the parser's own limit on nesting. */
function syntaxMessage(text: string): string {
  if (/maximum call stack/i.test(text)) return messages.nestedTooDeeply();
  return text.split("\n")[0] ?? text;
}

function fileTooLarge(file: string, bytes: number): LoadResult {
  const message = messages.fileTooLarge((bytes / 1_000_000).toFixed(1), MAX_SCENARIO_FILE_MB);
  return {
    ok: false,
    file,
    issues: [{ code: "unreadable", path: [], message, location: { file, line: 1, column: 1 } }],
  };
}

/** Parses scenario text; `file` is used only to label locations. */
export function parseScenarioText(text: string, file: string): LoadResult {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const locate = (offset: number): SourceLocation => ({ file, ...toLineColumn(lineCounter, offset) });
  if (document.errors.length > 0) {
    const issues = document.errors.map(
      (error): ScenarioIssue => ({
        code: "syntax",
        path: [],
        message: syntaxMessage(error.message),
        ...(error.code === "DUPLICATE_KEY" ? duplicateKey(document, error.pos[0], lineCounter) : {}),
        location: locate(error.pos[0]),
      }),
    );
    return { ok: false, file, issues };
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!/alias/i.test((error as Error).message)) throw error;
    return { ok: false, file, issues: [aliasBomb(document, locate)] };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return {
      ok: false,
      file,
      issues: [
        {
          code: "wrong-type",
          path: [],
          message: messages.notAnObject(document.contents === null ? "an empty file" : describeFound(data)),
          location: locate(document.contents?.range?.[0] ?? 0),
        },
      ],
    };
  }
  const result = validateScenario(data, (path) => {
    const node = document.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? text.slice(node.range[0], node.range[1]) : undefined;
  });
  if (result.ok) {
    for (const warning of result.warnings) {
      const offset = offsetOf(document, warning);
      if (offset !== undefined) warning.location = locate(offset);
    }
    return { ...result, file, data: data as Record<string, unknown> };
  }
  for (const issue of result.issues) {
    const offset = offsetOf(document, issue);
    if (offset !== undefined) issue.location = locate(offset);
  }
  return { ok: false, file, issues: result.issues.sort(byPosition) };
}

/** Validates an already-parsed scenario object (the library entry point). */
export function validateScenario(
  data: unknown,
  writtenAs: (path: (string | number)[]) => string | undefined = () => undefined,
): { ok: true; scenario: ParsedScenario; warnings: ScenarioIssue[] } | { ok: false; issues: ScenarioIssue[] } {
  const numbers = numberIssues(data, writtenAs);
  if (numbers.length > 0) {
    // Other problems are still reported, except the schema's own words about the same numbers.
    const others = validateScenario(withoutNumbersAt(data, numbers), writtenAs);
    const rest = others.ok ? [] : others.issues.filter((i) => !numbers.some((n) => overlaps(n.path, i.path)));
    return { ok: false, issues: [...numbers, ...rest] };
  }
  // Without zod's generated fast path: generating it cost about 4 ms of the first parse, and later parses were no
  // faster with it (work-queue: 36 us a parse without, 44 us with), so neither a command nor a sweep gains by it.
  const parsed = scenarioSchemaFor(data).safeParse(data, { reportInput: true, jitless: true });
  const duplicates = duplicateNames(data).map(
    ({ path, message }): ScenarioIssue => ({ code: "invalid", path, message }),
  );
  const targets = parsed.success
    ? [
        ...faultTargetProblems(parsed.data),
        ...patternProblems(parsed.data),
        ...expectPatternProblems(parsed.data),
        ...writesProblems(parsed.data),
        ...requestProblems(parsed.data),
        ...expectBatchProblems(parsed.data),
        ...expectScheduleProblems(parsed.data),
      ].map(({ path, message, candidates }): ScenarioIssue => {
        const suggestion = closestMatch(String(message.split('"')[1]), candidates);
        return {
          code: "unknown-value",
          path,
          message,
          ...(suggestion ? { hint: messages.didYouMean(suggestion) } : {}),
        };
      })
    : [];
  if (parsed.success) {
    // Checks that judge a group by its broker's profile run once per broker (src/scenario/brokers.ts).
    const byBroker = <T extends { path: (string | number)[] }>(check: (s: ParsedScenario) => T[]) =>
      onEachBroker(parsed.data, check);
    for (const { path, message } of byBroker(routingProblems)) targets.push({ code: "invalid", path, message });
    for (const { path, message } of byBroker(redriveProblems)) targets.push({ code: "invalid", path, message });
    for (const { path, message } of delayProblems(parsed.data)) targets.push({ code: "invalid", path, message });
    for (const { path, message, hint } of flowProblems(parsed.data))
      targets.push({ code: hint ? "unknown-value" : "invalid", path, message, ...(hint ? { hint } : {}) });
    for (const { path, message } of byBroker(batchProblems)) targets.push({ code: "invalid", path, message });
    for (const { path, message, hint } of sagaProblems(parsed.data))
      targets.push({ code: hint ? "unknown-value" : "invalid", path, message, ...(hint ? { hint } : {}) });
    for (const { path, message } of byBroker(brokerRetryProblems)) targets.push({ code: "invalid", path, message });
    for (const { path, message, hint } of brokerProblems(parsed.data))
      targets.push({ code: hint ? "unknown-value" : "invalid", path, message, ...(hint ? { hint } : {}) });
  }
  if (parsed.success && duplicates.length === 0 && targets.length === 0) targets.push(...budgetIssues(parsed.data));
  if (parsed.success && duplicates.length === 0 && targets.length === 0) {
    const warnings = brokerWarnings(parsed.data.broker).map(
      ({ path, message }): ScenarioIssue => ({ code: "adjusted", path: ["broker", ...path], message }),
    );
    return { ok: true, scenario: parsed.data, warnings };
  }
  if (parsed.success && duplicates.length === 0) return { ok: false, issues: targets };
  const issues = parsed.success ? [] : parsed.error.issues.flatMap((issue) => translate(issue, [], data));
  return { ok: false, issues: dropMissingExplainedByTypo(dedupe([...issues, ...duplicates])) };
}

/** NaN, infinities and numbers beyond 2^53, each named as the user wrote it (".inf", "1e400"). */
function numberIssues(data: unknown, writtenAs: (path: (string | number)[]) => string | undefined): ScenarioIssue[] {
  return unusableNumbers(data).map(({ path, value }): ScenarioIssue => {
    const written = writtenAs(path)?.trim() || String(value);
    return Number.isFinite(value)
      ? { code: "out-of-range", path, message: messages.numberTooLarge(MAX_PLAIN_NUMBER, written) }
      : { code: "wrong-type", path, message: messages.notFinite(written) };
  });
}

/** A copy of the data with the unusable numbers set to 0, so the schema can look for other problems. */
function withoutNumbersAt(data: unknown, numbers: ScenarioIssue[]): unknown {
  const copy = structuredClone(data) as Record<string | number, unknown>;
  for (const { path } of numbers) {
    if (path.length === 0) return null;
    let parent: Record<string | number, unknown> = copy;
    for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
    parent[path[path.length - 1]!] = 0;
  }
  return copy;
}

/** Where an alias bomb starts: the first alias in the document, with its field path. */
function aliasBomb(document: Document, locate: (offset: number) => SourceLocation): ScenarioIssue {
  const { isPair, isScalar, isSeq, visit } = yaml();
  let issue: ScenarioIssue = { code: "syntax", path: [], message: messages.aliasBomb(MAX_ALIAS_COUNT) };
  visit(document, {
    Alias(_, node, ancestors) {
      const path: (string | number)[] = [];
      const chain = [...ancestors, node];
      chain.forEach((parent, index) => {
        if (isPair(parent) && isScalar(parent.key)) path.push(String(parent.key.value));
        else if (isSeq(parent)) path.push(parent.items.indexOf(chain[index + 1] as never));
      });
      issue = { ...issue, path, ...(node.range ? { location: locate(node.range[0]) } : {}) };
      return visit.BREAK;
    },
  });
  issue.location ??= locate(document.contents?.range?.[0] ?? 0);
  return issue;
}

type ZodIssue = z.core.$ZodIssue;

function translate(issue: ZodIssue, prefix: (string | number)[], root: unknown): ScenarioIssue[] {
  const path = [...prefix, ...(issue.path as (string | number)[])];
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = allowedKeysAt(scenarioSchemaFor(root), path, root);
      const elsewhere = path.join(".") === "broker.settings" ? settingOwners(root) : new Map<string, string[]>();
      return issue.keys.map((key) => {
        const suggestion = closestMatch(key, allowed);
        const owners = elsewhere.get(key);
        const hint = owners
          ? messages.settingOfOtherProfile(key, owners, profileOf(root))
          : suggestion
            ? messages.didYouMean(suggestion)
            : messages.validKeys(allowed);
        return { code: "unknown-field", path: [...path, key], message: messages.unknownField(key), hint };
      });
    }
    case "invalid_type": {
      const field = path[path.length - 1];
      if (input === undefined && field !== undefined) return [missing(path, article(issue.expected))];
      return [{ code: "wrong-type", path, message: messages.wrongType(article(issue.expected), describeFound(input)) }];
    }
    case "invalid_value": {
      const allowed = issue.values.map(String);
      return [
        withSuggestion(
          { code: "unknown-value", path, message: messages.unknownValue(describeFound(input), allowed) },
          input,
          allowed,
        ),
      ];
    }
    case "invalid_union":
      return translateUnion(issue, path, root, input);
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const limit = String(small ? issue.minimum : issue.maximum);
      const bound = issue.origin === "array" ? `${limit} item${limit === "1" ? "" : "s"}` : limit;
      const message = messages.outOfRange(small, issue.inclusive !== false, bound, describeFound(input));
      return [{ code: "out-of-range", path, message: issue.message.startsWith("Too") ? message : issue.message }];
    }
    case "custom": {
      const expected = (issue.params as { expected?: string } | undefined)?.expected;
      if (expected && input === undefined) return [missing(path, expected)];
      const message = expected ? messages.expectedFound(expected, describeFound(input)) : issue.message;
      return [{ code: "invalid", path, message }];
    }
    default:
      return [{ code: "invalid", path, message: issue.message }];
  }
}

/** A discriminator mismatch names the choices; otherwise report the branch the user was closest to. */
function translateUnion(
  issue: z.core.$ZodIssueInvalidUnion,
  path: (string | number)[],
  root: unknown,
  input: unknown,
): ScenarioIssue[] {
  const options = (issue as { options?: unknown[] }).options;
  const discriminator = (issue as { discriminator?: string }).discriminator;
  if (discriminator && typeof input === "object" && input !== null) {
    const fields = input as Record<string, unknown>;
    input = fields[discriminator];
    // A misspelt discriminator ("profle: fifo") is an unknown field, not a missing one.
    const typo = input === undefined && Object.keys(fields).find((key) => closestMatch(key, [discriminator]));
    if (typo) {
      const parent = path[path.length - 1] === discriminator ? path.slice(0, -1) : path;
      return [
        {
          code: "unknown-field",
          path: [...parent, typo],
          message: messages.unknownField(typo),
          hint: messages.didYouMean(discriminator),
        },
      ];
    }
  }
  if (issue.errors.length === 0 && options) {
    const allowed = options.map(String);
    const message =
      input === undefined
        ? messages.missingField(String(path[path.length - 1]), `one of ${allowed.map((v) => `"${v}"`).join(", ")}`)
        : messages.unknownValue(describeFound(input), allowed);
    return [
      withSuggestion({ code: input === undefined ? "missing-field" : "unknown-value", path, message }, input, allowed),
    ];
  }
  if (input === undefined) return [missing(path)];
  const branches = issue.errors.map((branch) =>
    dropMissingExplainedByTypo(branch.flatMap((inner) => translate(inner, path, root))),
  );
  const resembled = unionOptionAt(scenarioSchemaFor(root), path, root);
  if (resembled >= 0 && branches[resembled]) return branches[resembled];
  const best = branches.reduce((a, b) => (branchScore(b) > branchScore(a) ? b : a), branches[0] ?? []);
  return best;
}

/** Deeper problems mean the input matched more of that branch; a plain type mismatch matched least. */
function branchScore(issues: ScenarioIssue[]): number {
  const depth = Math.max(0, ...issues.map((i) => i.path.length));
  const typeOnly = issues.every((i) => i.code === "wrong-type") ? 0 : 0.5;
  return depth + typeOnly;
}

/** Which other profiles have a setting of each name, so a misplaced one can be explained. */
function settingOwners(root: unknown): Map<string, string[]> {
  const current = profileOf(root);
  const owners = new Map<string, string[]>();
  for (const profile of profiles) {
    if (profile.name === current) continue;
    for (const key of allowedKeysAt(profile.schema, ["settings"], {})) {
      owners.set(key, [...(owners.get(key) ?? []), profile.name]);
    }
  }
  return owners;
}

function profileOf(root: unknown): string {
  const broker = (root as { broker?: { profile?: unknown } } | null)?.broker;
  return String(broker?.profile ?? "");
}

function missing(path: (string | number)[], expected?: string): ScenarioIssue {
  return { code: "missing-field", path, message: messages.missingField(String(path[path.length - 1] ?? ""), expected) };
}

function withSuggestion(issue: ScenarioIssue, input: unknown, allowed: string[]): ScenarioIssue {
  const suggestion = typeof input === "string" ? closestMatch(input, allowed) : undefined;
  return suggestion ? { ...issue, hint: messages.didYouMean(suggestion) } : issue;
}

function article(expected: string): string {
  if (expected === "object") return "a mapping";
  if (expected === "int") return "a whole number";
  if (expected === "array") return "a list";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Source offset for an issue: the key itself for unknown fields, else the value, else the nearest parent. */
function offsetOf(document: Document, issue: ScenarioIssue): number | undefined {
  const { isMap, isNode, isPair, isScalar } = yaml();
  const path = issue.path;
  if (issue.code === "unknown-field" || issue.code === "missing-field") {
    const parent = document.getIn(path.slice(0, -1), true);
    if (issue.code === "unknown-field" && isMap(parent)) {
      const pair = parent.items.find(
        (item) => isPair(item) && isScalar(item.key) && item.key.value === path[path.length - 1],
      );
      if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
    }
  }
  for (let length = path.length; length >= 0; length--) {
    const node = document.getIn(path.slice(0, length), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return document.contents?.range?.[0];
}

function toLineColumn(lineCounter: LineCounter, offset: number): { line: number; column: number } {
  const position = lineCounter.linePos(offset);
  return { line: position.line, column: position.col };
}

/** A misspelt field is reported once, as unknown with "did you mean"; not again as missing. */
function dropMissingExplainedByTypo(issues: ScenarioIssue[]): ScenarioIssue[] {
  const parentKey = (path: (string | number)[]) => path.slice(0, -1).join("\u0000");
  return issues.filter(
    (issue) =>
      issue.code !== "missing-field" ||
      !issues.some(
        (other) =>
          other.code === "unknown-field" &&
          parentKey(other.path) === parentKey(issue.path) &&
          other.hint === messages.didYouMean(String(issue.path[issue.path.length - 1])),
      ),
  );
}

/** Names a duplicated key, its path and where it was first given; YAML says only "Map keys must be unique". */
function duplicateKey(
  document: Document,
  offset: number,
  lineCounter: LineCounter,
): Pick<ScenarioIssue, "path" | "message"> | undefined {
  const { isPair, isScalar, isSeq, visit } = yaml();
  let found: Pick<ScenarioIssue, "path" | "message"> | undefined;
  visit(document, {
    Map(_, map, ancestors) {
      const duplicate = map.items.find((pair) => isScalar(pair.key) && pair.key.range?.[0] === offset);
      if (!duplicate || !isScalar(duplicate.key)) return undefined;
      const key = duplicate.key.value;
      const first = map.items.find((pair) => isScalar(pair.key) && pair.key.value === key);
      const firstOffset = isScalar(first?.key) ? (first.key.range?.[0] ?? offset) : offset;
      const chain = [...ancestors, map];
      const path: (string | number)[] = [];
      chain.forEach((node, index) => {
        if (isPair(node) && isScalar(node.key)) path.push(String(node.key.value));
        else if (isSeq(node)) path.push(node.items.indexOf(chain[index + 1] as never));
      });
      found = {
        path: [...path, String(key)],
        message: messages.duplicateField(String(key), lineCounter.linePos(firstOffset).line),
      };
      return visit.BREAK;
    },
  });
  return found;
}

function dedupe(issues: ScenarioIssue[]): ScenarioIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path.join("\u0000")}\u0001${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function byPosition(a: ScenarioIssue, b: ScenarioIssue): number {
  return (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0);
}
