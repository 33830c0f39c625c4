import { describe, expect, it } from "vitest";
import { formatIssue, type ScenarioIssue } from "../../src/scenario/issues.js";
import { parseScenarioText } from "../../src/scenario/load.js";
import { refusedIssues, runRefusedFile } from "../helpers/scenario.js";

const yaml = (...lines: string[]): string => `${lines.join("\n")}\n`;

/** A checkout saga over five groups; `steps` and `extra` lines replace its steps and follow it. */
function checkout(steps: string[], { profile = "fifo", extra = [] as string[] } = {}): string {
  return yaml(
    "name: saga",
    "duration: 5s",
    `broker: {profile: ${profile}}`,
    "producers: [{name: shop, rate: 10/s}]",
    "consumers:",
    "  - {group: stock, processing: 1ms}",
    "  - {group: payment, processing: 1ms}",
    "  - {group: shipping, processing: 1ms}",
    "  - {group: stock-release, processing: 1ms}",
    "  - {group: refund, processing: 1ms}",
    "sagas:",
    "  checkout:",
    "    timeout: 1m",
    "    steps:",
    ...steps,
    ...extra,
  );
}

const goodSteps = [
  "      - {group: stock, compensate: stock-release}",
  "      - {group: payment, compensate: refund, failure: 5%}",
  "      - {group: shipping}",
];

function problems(text: string): ScenarioIssue[] {
  return refusedIssues(text, "saga.yaml");
}

const formatted = (text: string) => problems(text).map((issue) => formatIssue(issue, "saga.yaml"));

describe("saga validation", () => {
  it("accepts a well-formed saga, a percentage or a share as its failure", () => {
    expect(parseScenarioText(checkout(goodSteps), "saga.yaml").ok).toBe(true);
    const share = [goodSteps[0]!, "      - {group: payment, compensate: refund, failure: 0.05}", goodSteps[2]!];
    const result = parseScenarioText(checkout(share), "saga.yaml");
    expect(result.ok && result.scenario.sagas?.checkout?.steps[1]?.failure).toBe(0.05);
  });

  it("names an unknown group where it is written and suggests the group meant", () => {
    const steps = [goodSteps[0]!, "      - {group: paymnet, compensate: refunds, failure: 5%}", goodSteps[2]!];
    expect(formatted(checkout(steps))).toEqual([
      'saga.yaml:16:17  sagas.checkout.steps[1].group: the saga names "paymnet", but no consumer group is called that (groups: stock, payment, shipping, stock-release, refund)\n    did you mean "payment"?',
      'saga.yaml:16:38  sagas.checkout.steps[1].compensate: the saga names "refunds", but no consumer group is called that (groups: stock, payment, shipping, stock-release, refund)\n    did you mean "refund"?',
    ]);
  });

  it("refuses a step without the compensation a later failing step needs", () => {
    const steps = ["      - {group: stock}", goodSteps[1]!, goodSteps[2]!];
    expect(formatted(checkout(steps))).toEqual([
      "saga.yaml:15:9  sagas.checkout.steps[0]: step 1 (stock) has no compensate, but step 2 (payment) can fail after it: name the group that undoes it (compensate: ...)",
    ]);
  });

  it("needs no compensation for a step after the last one that can fail", () => {
    const steps = [goodSteps[0]!, "      - {group: payment, failure: 5%}", goodSteps[2]!];
    expect(parseScenarioText(checkout(steps), "saga.yaml").ok).toBe(true);
  });

  it("refuses a group in two roles", () => {
    const steps = [goodSteps[0]!, "      - {group: payment, compensate: stock-release, failure: 5%}", goodSteps[2]!];
    expect(problems(checkout(steps)).map((i) => i.message)).toEqual([
      'group "stock-release" is the compensation of step 1 of saga checkout already; a group plays one role in one saga',
    ]);
  });

  it("refuses a saga group that also publishes onward", () => {
    const text = checkout(goodSteps).replace(
      "{group: shipping, processing: 1ms}",
      "{group: shipping, processing: 1ms, publishTo: refund}",
    );
    expect(problems(text).map((i) => i.message)).toContain(
      'group "shipping" is step 3 of saga checkout and also has publishTo: the saga publishes its commands and compensations itself',
    );
  });

  it("refuses a profile without a queue per group", () => {
    expect(problems(checkout(goodSteps, { profile: "redis-pubsub" })).map((i) => i.message)[0]).toMatch(
      /^sagas need a profile that gives each group its own queue; redis-pubsub does not/,
    );
  });

  it("names an unknown saga under expect.sagas with a suggestion", () => {
    const extra = ["expect:", "  sagas: {chekout: {stuck: {max: 0}}}"];
    const [issue] = problems(checkout(goodSteps, { extra }));
    expect(issue).toMatchObject({
      message: 'expect.sagas names "chekout", but no saga is called that (sagas: checkout)',
      hint: 'did you mean "checkout"?',
    });
  });

  it("exits 2 from the command line and writes nothing", () => {
    const run = runRefusedFile(checkout(["      - {group: stock}", goodSteps[1]!, goodSteps[2]!]));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("has no compensate");
    expect(run.stderr).not.toContain("    at ");
    expect(run.wroteReports).toBe(false);
  });
});
