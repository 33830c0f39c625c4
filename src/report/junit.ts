import { renameSync, rmSync, writeFileSync } from "node:fs";
import type { CheckResult, CounterExample } from "../checks/checks.js";
import type { Summary } from "./summary.js";

/** One scenario run (or one profile of a comparison) as a JUnit test suite. */
export interface JunitSuite {
  /** The suite's name as CI shows it: the scenario, and the profile in a comparison. */
  name: string;
  summary: Summary;
  /** The command that replays the run, shown with every failure. */
  replay: string;
}

/**
 * The checks as JUnit XML, the format CI systems (GitHub Actions reporters, GitLab, Jenkins) render: one
 * <testsuite> per run, one <testcase> per expectation, a <failure> whose message is what was observed
 * against what was expected and whose text is the counter-example and the replay command. No `time`
 * attributes (they are optional in every JUnit schema): the file depends on the scenario and seed alone.
 */
export function junitXml(suites: readonly JunitSuite[]): string {
  const tests = suites.reduce((sum, s) => sum + s.summary.checks.length, 0);
  const failures = suites.reduce((sum, s) => sum + failedCount(s.summary), 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="queuesim" tests="${tests}" failures="${failures}" errors="0">`,
    ...suites.flatMap(suiteLines),
    "</testsuites>",
    "",
  ];
  return lines.join("\n");
}

function failedCount(summary: Summary): number {
  return summary.checks.filter((check) => !check.passed).length;
}

function suiteLines(suite: JunitSuite): string[] {
  const { summary } = suite;
  const classname = `queuesim.${suite.name}`;
  return [
    `  <testsuite name="${attribute(suite.name)}" tests="${summary.checks.length}" failures="${failedCount(summary)}" errors="0" skipped="0">`,
    "    <properties>",
    property("profile", summary.profile),
    property("seed", String(summary.seed)),
    property("replay", suite.replay),
    "    </properties>",
    ...summary.checks.flatMap((check) => testcaseLines(check, classname, suite.replay)),
    "  </testsuite>",
  ];
}

function property(name: string, value: string): string {
  return `      <property name="${attribute(name)}" value="${attribute(value)}"/>`;
}

function testcaseLines(check: CheckResult, classname: string, replay: string): string[] {
  const open = `    <testcase name="${attribute(check.name)}" classname="${attribute(classname)}"`;
  if (check.passed) return [`${open}/>`];
  const message = `${check.observed} (expected ${check.expected})`;
  const details = [
    `${check.name}: ${message}`,
    ...(check.counterExample ? counterExampleLines(check.counterExample) : []),
    `replay: ${replay}`,
  ];
  return [
    `${open}>`,
    `      <failure message="${attribute(message)}" type="expectation">${text(details.join("\n"))}</failure>`,
    "    </testcase>",
  ];
}

/** The counter-example in words, as the terminal summary gives it. */
export function counterExampleLines(example: CounterExample): string[] {
  const key = example.key === null ? "" : `, key ${example.key}`;
  const lines = [`counter-example: message ${example.message} from ${example.producer}${key}, group ${example.group}`];
  for (const event of example.events) {
    lines.push(`  ${event.atMs}ms  ${event.what}${event.consumer ? ` (${event.consumer})` : ""}`);
  }
  const cause = example.likelyCause;
  if (cause) lines.push(`likely cause: fault ${cause.fault}, ${cause.kind} of ${cause.target} at ${cause.startMs}ms`);
  return lines;
}

/** Writes the file whole or not at all: to a temporary name, then renamed. */
export function writeJunitFile(path: string, xml: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, xml);
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * Characters XML 1.0 cannot carry at all, even escaped (most C0 controls, U+FFFE, U+FFFF, unpaired
 * surrogates), replaced by U+FFFD; printable ASCII, the common case, passes untouched.
 */
function xmlCharacters(value: string): string {
  if (/^[ -~]*$/.test(value)) return value;
  let safe = "";
  for (const character of value) {
    const code = character.codePointAt(0)!;
    const allowed =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      code >= 0x10000;
    safe += allowed ? character : "\ufffd";
  }
  return safe;
}

/** Element text: &, < and > escaped, characters XML cannot hold replaced. */
function text(value: string): string {
  return xmlCharacters(value).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** An attribute in double quotes: quotes escaped, and line breaks and tabs as references so parsers keep them. */
function attribute(value: string): string {
  return text(value)
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;")
    .replaceAll("\n", "&#10;")
    .replaceAll("\r", "&#13;")
    .replaceAll("\t", "&#9;");
}
