import {
  formatIssue,
  type ParsedScenario,
  parseScenarioText,
  type ScenarioIssue,
  validateScenario,
} from "../../src/index.js";
import { runScenarioText } from "./cli.js";

/** A minimal valid scenario as a plain object, with `overrides` merged over the top level. */
export function scenarioInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "test",
    seed: 1,
    duration: "10s",
    broker: { profile: "fifo" },
    producers: [{ name: "p", rate: "100/s" }],
    consumers: [{ group: "g", processing: "1ms" }],
    ...overrides,
  };
}

/** Validates a scenario object, failing the test with every issue if it is invalid. */
export function parsed(input: Record<string, unknown>): ParsedScenario {
  const result = validateScenario(input);
  if (!result.ok) throw new Error(`invalid test scenario: ${JSON.stringify(result.issues, null, 2)}`);
  return result.scenario;
}

/** The issues of a scenario file's text that validation must refuse; fails the test if it is accepted. */
export function refusedIssues(text: string, file: string): ScenarioIssue[] {
  const result = parseScenarioText(text, file);
  if (result.ok) throw new Error("expected problems, but the scenario was accepted");
  return result.issues;
}

/** The same issues, each as the command line prints it (file:line:col, path, message, hint). */
export function refusedLines(text: string, file: string): string[] {
  return refusedIssues(text, file).map((issue) => formatIssue(issue, file));
}

/**
 * Runs `queuesim run` from the sources on `text`, written as bad.yaml in a fresh folder, as a user would:
 * its exit status, what it printed on stderr, and whether it wrote a report folder.
 */
export function runRefusedFile(text: string): { status: number | null; stderr: string; wroteReports: boolean } {
  const { code, stderr, wroteReports } = runScenarioText(text, "bad.yaml");
  return { status: code, stderr, wroteReports };
}
