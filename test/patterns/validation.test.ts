// Proves bad dependencies, steps and retry policies are reported with file:line:col, the field path and a did-you-mean, and that a retry policy that could never end is refused.
import { describe, expect, it } from "vitest";
import { formatIssue, type ScenarioIssue } from "../../src/scenario/issues.js";
import { parseScenarioText } from "../../src/scenario/load.js";
import { refusedIssues } from "../helpers/scenario.js";

const FILE = "patterns.yaml";

/** A scenario whose consumer section is `consumer` (lines 12 on) and whose dependencies are `dependencies`. */
function scenario(consumer: string[], dependencies: string[] = ["  payments:", "    latency: 20ms"]): string {
  return [
    "name: patterns",
    "duration: 10s",
    "broker: {profile: fifo}",
    "producers:",
    "  - name: orders",
    "    rate: 100/s",
    "dependencies:",
    ...dependencies,
    "consumers:",
    "  - group: billing",
    ...consumer,
    "",
  ].join("\n");
}

function issuesOf(text: string): ScenarioIssue[] {
  return refusedIssues(text, FILE);
}

const lines = (issues: ScenarioIssue[]) => issues.map((issue) => formatIssue(issue, FILE));

describe("dependencies and steps", () => {
  it("names the known dependencies and suggests the one meant for a misspelt call", () => {
    const issues = issuesOf(scenario(["    steps:", "      - call: paymnets"]));
    expect(lines(issues)).toEqual([
      `${FILE}:13:15  consumers[0].steps[0].call: "paymnets" is not a dependency (known: payments)\n    did you mean "payments"?`,
    ]);
  });

  it("says none is declared when a step calls a dependency in a scenario without any", () => {
    const issues = issuesOf(scenario(["    steps:", "      - call: payments"], ["  {}"]));
    expect(issues[0]!.message).toBe('"payments" is not a dependency (none is declared under dependencies:)');
  });

  it("asks for processing when a group has neither processing nor steps", () => {
    const issues = issuesOf(scenario(["    instances: 2"]));
    expect(issues.map((i) => [i.code, i.path.join(".")])).toEqual([["missing-field", "consumers.0.processing"]]);
  });

  it("refuses error shares that add up to more than 1", () => {
    const issues = issuesOf(
      scenario(
        ["    steps: [{call: payments}]"],
        ["  payments:", "    latency: 20ms", "    errors: {transient: 0.7, permanent: 0.5}"],
      ),
    );
    expect(issues[0]!.message).toContain("add up to more than 1");
    expect(issues[0]!.location).toEqual({ file: FILE, line: 10, column: 13 });
  });
});

describe("retry policies", () => {
  it("refuses a policy with no attempt limit and no delay: it never ends", () => {
    const issues = issuesOf(scenario(["    steps: [{call: payments}]", "    retry:", "      maxAttempts: null"]));
    expect(lines(issues)).toEqual([
      `${FILE}:14:20  consumers[0].retry.maxAttempts: a retry policy with no attempt limit and no delay between attempts never ends: set maxAttempts, or a backoff that waits`,
    ]);
  });

  it("refuses unlimited attempts that retry permanent errors, even with a delay", () => {
    const issues = issuesOf(
      scenario([
        "    steps: [{call: payments}]",
        "    retry:",
        "      maxAttempts: null",
        "      backoff: {type: fixed, delay: 1s}",
        "      retryOn: [transient, permanent]",
      ]),
    );
    expect(issues.map((i) => i.path.join("."))).toEqual(["consumers.0.retry.retryOn"]);
  });

  it("accepts unlimited attempts with a backoff that waits", () => {
    const text = scenario([
      "    steps: [{call: payments}]",
      "    retry:",
      "      maxAttempts: null",
      "      backoff: {type: exponential, base: 100ms, cap: 10s, jitter: full}",
    ]);
    expect(parseScenarioText(text, FILE).ok).toBe(true);
  });

  it("suggests the jitter meant and asks for steps to retry", () => {
    const jitter = issuesOf(
      scenario(["    steps: [{call: payments}]", "    retry: {backoff: {type: fixed, delay: 1s, jitter: ful}}"]),
    );
    expect(jitter[0]!.hint).toBe('did you mean "full"?');
    const noSteps = issuesOf(scenario(["    processing: 1ms", "    retry: {maxAttempts: 3}"]));
    expect(noSteps[0]!.message).toContain("give this group steps");
  });

  it("names the dependency an outage targets, with the known ones", () => {
    const text = `${scenario(["    steps: [{call: payments}]"])}faults:\n  - at: 1s\n    for: 1s\n    outage: {dependency: paymentz}\n`;
    const issues = issuesOf(text);
    expect(lines(issues)).toEqual([
      `${FILE}:16:26  faults[0].outage.dependency: "paymentz" is not a dependency (known: payments)\n    did you mean "payments"?`,
    ]);
  });
});

describe("breakers and expectations", () => {
  it("names the known dependencies for a breaker around an undeclared one", () => {
    const issues = issuesOf(
      scenario(["    steps: [{call: payments}]", "    breakers:", "      paymnts: {openFor: 5s}"]),
    );
    expect(lines(issues)).toEqual([
      `${FILE}:14:16  consumers[0].breakers.paymnts: "paymnts" is not a dependency (known: payments)\n    did you mean "payments"?`,
    ]);
  });

  it("refuses a breaker with both a failure rate and a consecutive threshold", () => {
    const issues = issuesOf(
      scenario([
        "    steps: [{call: payments}]",
        "    breakers:",
        "      payments: {failureRate: 0.5, consecutiveFailures: 3}",
      ]),
    );
    expect(issues[0]!.message).toBe("give either failureRate or consecutiveFailures, not both");
  });

  it("suggests the figure meant in an expectation, and the dependency meant", () => {
    const figure = issuesOf(
      `${scenario(["    steps: [{call: payments}]"])}expect:\n  dependencies:\n    payments: {amplificaton: {max: 1.5}}\n`,
    );
    expect(figure[0]!.hint).toBe('did you mean "amplification"?');
    const name = issuesOf(
      `${scenario(["    steps: [{call: payments}]"])}expect:\n  dependencies:\n    paymnts: {calls: {max: 1}}\n`,
    );
    expect(name[0]!.hint).toBe('did you mean "payments"?');
  });
});
