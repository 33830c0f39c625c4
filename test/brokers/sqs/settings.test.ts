// Proves the SQS settings: AWS's names and defaults, times in AWS's whole seconds or as durations, AWS's bounds, and did-you-mean for misspelled keys.
import { describe, expect, it } from "vitest";
import { validateScenario } from "../../../src/index.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";

const settingsOf = (profile: string, settings: Record<string, unknown> = {}) =>
  parsed(scenarioInput({ broker: { profile, settings } })).broker.settings as Record<string, unknown>;

function issuesFor(profile: string, settings: Record<string, unknown>) {
  const result = validateScenario(scenarioInput({ broker: { profile, settings } }));
  if (result.ok) throw new Error("expected the settings to be refused");
  return result.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message, hint: issue.hint }));
}

describe("sqs settings", () => {
  it("fill AWS's defaults, in microseconds", () => {
    expect(settingsOf("sqs")).toEqual({
      VisibilityTimeout: 30_000_000,
      ReceiveMessageWaitTimeSeconds: 0,
      WaitTimeSeconds: null,
      MaxNumberOfMessages: 1,
      MessageRetentionPeriod: 345_600_000_000,
      DelaySeconds: 0,
      RedrivePolicy: null,
      inFlightLimit: 120_000,
      visibilityTimeoutOnFailure: null,
      visibilityHeartbeat: null,
      receiveRoundTrip: 20_000,
      emptyReceiveProbability: 0.1,
      duplicateProbability: 0.0001,
      staleReceiptDeleteProbability: 0.5,
      reorderWindow: 4,
    });
    expect(settingsOf("sqs-fifo")).toMatchObject({
      FifoThroughputLimit: "perQueue",
      DeduplicationScope: "queue",
      highThroughputPartitions: 234,
      sdkMaxAttempts: 3,
      visibilityTimeoutOnFailure: null,
    });
    expect(settingsOf("sqs-fifo", { RedrivePolicy: {} }).RedrivePolicy).toEqual({ maxReceiveCount: 10 });
  });

  it("take times in whole seconds, as AWS writes them, or as durations", () => {
    expect(settingsOf("sqs", { VisibilityTimeout: 45, WaitTimeSeconds: "1.5s" })).toMatchObject({
      VisibilityTimeout: 45_000_000,
      WaitTimeSeconds: 1_500_000,
    });
  });

  it("refuse values outside AWS's bounds", () => {
    const issues = issuesFor("sqs", {
      VisibilityTimeout: 43_201,
      MaxNumberOfMessages: 11,
      MessageRetentionPeriod: "30s",
    });
    expect(issues.map((issue) => issue.path)).toEqual([
      "broker.settings.VisibilityTimeout",
      "broker.settings.MaxNumberOfMessages",
      "broker.settings.MessageRetentionPeriod",
    ]);
    expect(issues[0]!.message).toContain("whole seconds from 0 to 43200");
  });

  it("suggest the right key for a misspelled one, and keep FIFO-only keys off standard queues", () => {
    expect(issuesFor("sqs", { VisibiltyTimeout: 60 })[0]).toMatchObject({
      path: "broker.settings.VisibiltyTimeout",
      hint: 'did you mean "VisibilityTimeout"?',
    });
    expect(issuesFor("sqs", { FifoThroughputLimit: "perQueue" })[0]?.path).toBe("broker.settings.FifoThroughputLimit");
    expect(issuesFor("sqs-fifo", { duplicateProbability: 0.1 })[0]?.path).toBe("broker.settings.duplicateProbability");
    // FIFO deletes with an old handle always fail: the standard queue's probability does not apply.
    expect(issuesFor("sqs-fifo", { staleReceiptDeleteProbability: 1 })[0]?.path).toBe(
      "broker.settings.staleReceiptDeleteProbability",
    );
    expect(issuesFor("sqs", { sdkMaxAttempts: 3 })[0]?.path).toBe("broker.settings.sdkMaxAttempts");
    expect(issuesFor("sqs-fifo", { sdkMaxAttempts: 0, staleReceiptDeleteProbability: 2 }).length).toBe(2);
  });
});
