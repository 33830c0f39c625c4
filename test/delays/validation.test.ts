// Proves delays a broker cannot give are refused as the broker would refuse them, with file:line:col, the field path and the alternatives: SQS's 900 s cap (901 s refused, 900 s accepted, an unbounded distribution refused), SQS FIFO's missing per-message delay, Kafka and Redis with no delay at all; and that schedules are checked.
import { describe, expect, it } from "vitest";
import { formatIssue, type ScenarioIssue } from "../../src/scenario/issues.js";
import { parseScenarioText } from "../../src/scenario/load.js";
import { refusedIssues } from "../helpers/scenario.js";

const FILE = "delays.yaml";

/** A scenario on `profile` whose only producer has the fields `producer` (from line 6). */
function scenario(profile: string, producer: string[]): string {
  return [
    "name: delays",
    "duration: 10s",
    `broker: {profile: ${profile}}`,
    "producers:",
    "  - name: orders",
    ...producer,
    "consumers:",
    "  - {group: billing, processing: 1ms}",
    "",
  ].join("\n");
}

function issuesOf(text: string): ScenarioIssue[] {
  return refusedIssues(text, FILE);
}

const lines = (issues: ScenarioIssue[]) => issues.map((issue) => formatIssue(issue, FILE));

describe("delays a broker cannot give", () => {
  it("refuses an SQS delay of 901 s and accepts 900 s", () => {
    expect(lines(issuesOf(scenario("sqs", ["    rate: 1/s", "    delay: 901s"])))).toEqual([
      `${FILE}:7:12  producers[0].delay: sqs delays a message at most 900 s (SendMessage DelaySeconds), found 901 s`,
    ]);
    expect(parseScenarioText(scenario("sqs", ["    rate: 1/s", "    delay: 900s"]), FILE).ok).toBe(true);
  });

  it("refuses an SQS delay drawn from a distribution without an upper bound, and a notBefore past 900 s", () => {
    const unbounded = issuesOf(scenario("sqs", ["    rate: 1/s", "    delay: {dist: exponential, mean: 10s}"]));
    expect(unbounded[0]!.message).toContain("found a distribution with no upper bound");
    const late = issuesOf(scenario("sqs", ["    rate: 1/s", "    notBefore: 20min"]));
    expect(late[0]!.message).toBe(
      "sqs delays a message at most 900 s (SendMessage DelaySeconds), found 1200 s (a message published at the start would need that delay)",
    );
  });

  it("refuses a per-message delay on an SQS FIFO queue, as AWS does", () => {
    const issues = issuesOf(scenario("sqs-fifo", ["    rate: 1/s", "    delay: 5s"]));
    expect(issues[0]!.location).toEqual({ file: FILE, line: 7, column: 12 });
    expect(issues[0]!.message).toContain("SQS FIFO queues do not support per-message DelaySeconds");
    expect(issues[0]!.message).toContain("set the queue's DelaySeconds instead");
  });

  it("names the alternatives on Kafka and Redis, which have no delay", () => {
    const kafka = issuesOf(scenario("kafka", ["    rate: 1/s", "    delay: 5s"]))[0]!.message;
    expect(kafka).toMatch(/^kafka cannot delay a message: Kafka has no delayed delivery; the alternatives are/);
    expect(kafka).toContain("(sqs, rabbitmq, bullmq)");
    const redis = issuesOf(scenario("redis-streams", ["    rate: 1/s", "    notBefore: 5s"]))[0]!;
    expect(redis.path).toEqual(["producers", 0, "notBefore"]);
    expect(redis.message).toContain("profile bullmq");
  });
});

describe("schedules", () => {
  it("wants exactly one of rate, arrival or schedule", () => {
    const issues = issuesOf(scenario("fifo", ["    rate: 1/s", "    schedule: {every: 1m}"]));
    expect(issues[0]!.message).toBe("a producer needs exactly one of rate, arrival or schedule");
  });

  it("reports a bad cron expression at its position, and a misspelt missed-tick policy with a suggestion", () => {
    const cron = issuesOf(scenario("fifo", ['    schedule: {cron: "*/5 * * *"}']));
    expect(lines(cron)).toEqual([
      `${FILE}:6:22  producers[0].schedule.cron: a cron expression has 5 fields (minute hour day-of-month month day-of-week), found 4`,
    ]);
    const missed = issuesOf(scenario("fifo", ["    schedule: {every: 1m, missed: catchup}"]));
    expect(missed[0]!.hint).toContain("catchUp");
  });
});
