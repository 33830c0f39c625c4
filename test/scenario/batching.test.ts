// Proves that a group's batch: is checked against its profile's limits (SQS 10, Kafka max.poll.records and concurrency 1, RabbitMQ prefetch, BullMQ none), with the position, the field path, what was found and a did-you-mean for a misspelt field.
import { describe, expect, it } from "vitest";
import { formatPath, type ScenarioIssue } from "../../src/scenario/issues.js";
import { parseScenarioText } from "../../src/scenario/load.js";
import { refusedIssues } from "../helpers/scenario.js";

const yaml = (...lines: string[]): string => `${lines.join("\n")}\n`;

/** A scenario with `broker` and one group whose fields follow `group:` (each an indented line). */
const scenario = (broker: string, ...group: string[]) =>
  yaml(
    "name: t",
    "duration: 10s",
    `broker: ${broker}`,
    "producers: [{name: p, rate: 100/s}]",
    "consumers:",
    "  - group: g",
    "    processing: 1ms",
    ...group,
  );

function issuesOf(text: string): ScenarioIssue[] {
  return refusedIssues(text, "s.yaml");
}

const brief = (issue: ScenarioIssue) => ({
  path: formatPath(issue.path),
  line: issue.location?.line,
  column: issue.location?.column,
  hint: issue.hint,
});

describe("batch validation", () => {
  it("accepts a batch within the profile's limit and fills its defaults", () => {
    const result = parseScenarioText(
      scenario("{profile: sqs, settings: {MaxNumberOfMessages: 10}}", "    batch: {size: 10}"),
      "s.yaml",
    );
    expect(result.ok).toBe(true);
    if (result.ok)
      expect(result.scenario.consumers[0]!.batch).toEqual({
        size: 10,
        wait: 0,
        overhead: { dist: "constant", value: 0 },
      });
  });

  it("sqs: a batch is one receive: above MaxNumberOfMessages is refused, naming it", () => {
    const [issue] = issuesOf(scenario("{profile: sqs}", "    batch: {size: 5}"));
    expect(formatPath(issue!.path)).toBe("consumers[0].batch.size");
    expect(issue!.message).toContain("batch size 5 is above sqs's limit of 1");
    expect(issue!.message).toContain("MaxNumberOfMessages is 1");
  });

  it("sqs: a batch above 10 is refused, naming DeleteMessageBatch", () => {
    const [issue, ...rest] = issuesOf(
      scenario("{profile: sqs, settings: {MaxNumberOfMessages: 10}}", "    batch: {size: 11, wait: 50ms}"),
    );
    expect(rest).toEqual([]);
    expect(brief(issue!)).toEqual({ path: "consumers[0].batch.size", line: 8, column: 19, hint: undefined });
    expect(issue!.message).toContain("batch size 11 is above sqs's limit of 10");
    expect(issue!.message).toContain("DeleteMessageBatch");
  });

  it("kafka: above max.poll.records, and concurrency above 1, are both reported", () => {
    const issues = issuesOf(
      scenario('{profile: kafka, settings: {"max.poll.records": 20}}', "    concurrency: 4", "    batch: {size: 50}"),
    );
    expect(issues.map((issue) => formatPath(issue.path))).toEqual([
      "consumers[0].concurrency",
      "consumers[0].batch.size",
    ]);
    expect(issues[0]!.message).toContain("concurrency 1, found 4");
    expect(issues[1]!.message).toContain("max.poll.records is 20");
  });

  it("rabbitmq: a batch larger than the prefetch could never fill", () => {
    const [issue] = issuesOf(scenario("{profile: rabbitmq, settings: {prefetch: 5}}", "    batch: {size: 10}"));
    expect(formatPath(issue!.path)).toBe("consumers[0].batch.size");
    expect(issue!.message).toContain("prefetch (5)");
  });

  it("bullmq: batches are refused as a BullMQ Pro feature", () => {
    const [issue] = issuesOf(scenario("{profile: bullmq}", "    batch: {size: 10}"));
    expect(brief(issue!)).toMatchObject({ path: "consumers[0].batch", line: 8, column: 12 });
    expect(issue!.message).toContain("BullMQ Pro");
  });

  it("expect.batches must name a group with batch, with a did-you-mean", () => {
    const text = `${scenario("{profile: fifo}", "    batch: {size: 10}")}expect:\n  batches:\n    G: {meanSize: {min: 5}}\n`;
    const [issue, ...rest] = issuesOf(text);
    expect(rest).toEqual([]);
    expect(brief(issue!)).toEqual({ path: "expect.batches.G", line: 11, column: 8, hint: 'did you mean "g"?' });
    expect(issue!.message).toContain('"G" is not a consumer group with batch (known: g)');
  });

  it("a misspelt batch field gets a did-you-mean", () => {
    const [issue] = issuesOf(scenario("{profile: fifo}", "    batch: {size: 10, wiat: 50ms}"));
    expect(brief(issue!)).toEqual({
      path: "consumers[0].batch.wiat",
      line: 8,
      column: 23,
      hint: 'did you mean "wait"?',
    });
  });

  it("a size of 0 is refused with what was expected and found", () => {
    const [issue] = issuesOf(scenario("{profile: fifo}", "    batch: {size: 0}"));
    expect(formatPath(issue!.path)).toBe("consumers[0].batch.size");
    expect(issue!.message).toMatch(/0/);
  });
});
