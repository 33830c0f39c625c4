// Proves the SQS profiles against AWS's documentation: each case paraphrases one documented statement, names its page, and checks the model exactly (no real SQS exists here to test against).
import { describe, expect, it } from "vitest";
import { validateScenario } from "../../../src/index.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";
import { deterministic, deterministicFifo, oneMessage, run } from "./run.js";

const settingsOf = (profile: string, settings: Record<string, unknown> = {}) =>
  parsed(scenarioInput({ broker: { profile, settings } })).broker.settings as Record<string, unknown>;
const accepts = (profile: string, settings: Record<string, unknown>) =>
  validateScenario(scenarioInput({ broker: { profile, settings } })).ok;
const SECOND = 1_000_000;

/** One message at 1 s, processed `processing` long by one of `instances` consumers; the run ends by `until`. */
function oneJob(profile: string, settings: Record<string, unknown>, processing: string, instances = 1, until = "70s") {
  return run({
    duration: "2s",
    drainTimeout: until,
    broker: { profile, settings },
    producers: oneMessage,
    consumers: [{ group: "g", instances, processing }],
  });
}

describe("AWS documentation: Amazon SQS visibility timeout (SQS Developer Guide)", () => {
  it("'The default visibility timeout for a message is 30 seconds. The minimum is 0 seconds. The maximum is 12 hours.'", () => {
    expect(settingsOf("sqs").VisibilityTimeout).toBe(30 * SECOND);
    expect([accepts("sqs", { VisibilityTimeout: 0 }), accepts("sqs", { VisibilityTimeout: 43_200 })]).toEqual([
      true,
      true,
    ]);
    expect(accepts("sqs", { VisibilityTimeout: 43_201 })).toBe(false);
  });

  it("a message not deleted before the visibility timeout expires becomes visible and is received again", () => {
    const { log } = oneJob("sqs", deterministic, "40s", 2);
    expect(log.matching("delivered").slice(0, 2)).toEqual([
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=31000000 delivered m0 g0 c1 waited 30000000 attempt 2",
    ]);
  });

  it("FIFO: 'DeleteMessage operations will fail if the request is received outside of the visibility timeout window'", () => {
    // The 40 s job's delete arrives 10 s after its 30 s window: on FIFO it fails and the message is received again.
    const { log } = oneJob("sqs-fifo", deterministicFifo, "40s");
    expect(log.matching("delivered").slice(0, 2)).toEqual([
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=41000000 delivered m0 g0 c0 waited 40000000 attempt 2",
    ]);
  });

  it("'When you receive a message with a message group ID, no more messages for the same message group ID are returned unless you delete the message or it becomes visible'", () => {
    const { log } = run({
      duration: "1s",
      drainTimeout: "1m",
      broker: { profile: "sqs-fifo", settings: deterministicFifo },
      producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 2, keys: { count: 1 } }],
      consumers: [{ group: "g", instances: 2, processing: "1s" }],
    });
    // m1 is published at 200 ms while c1 is idle, but m0 of the same group is in flight until 1.1 s.
    expect(log.matching("delivered")).toEqual([
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=1100000 delivered m1 g0 c1 waited 900000",
    ]);
  });

  it("'The maximum visibility timeout is 12 hours from the time that Amazon SQS receives the ReceiveMessage request. Extending the visibility timeout does not reset the 12 hour maximum.'", () => {
    const { log } = run({
      duration: "2s",
      drainTimeout: "12h",
      broker: {
        profile: "sqs",
        settings: { ...deterministic, visibilityHeartbeat: { every: "10s", extendTo: "30s" } },
      },
      producers: oneMessage,
      consumers: [{ group: "g", instances: 2, processing: "13h" }],
    });
    // Heartbeats keep it in flight, but never past receive + 12 h: it is received again at 1 s + 43,200 s.
    expect(log.matching("delivered")[1]).toBe("t=43201000000 delivered m0 g0 c1 waited 43200000000 attempt 2");
  });
});

describe("AWS documentation: DeleteMessage (SQS API Reference) and receipt handles", () => {
  it("'If you use an old ReceiptHandle, the request will succeed, but the message might not be deleted' (standard queues)", () => {
    // c0's delete at 41 s carries the first receive's handle; c1 received the message again at 31 s.
    const thirdReceive = (probability: number) =>
      oneJob("sqs", { ...deterministic, staleReceiptDeleteProbability: probability }, "40s", 2).log.matching(
        "delivered",
      )[2];
    expect(settingsOf("sqs").staleReceiptDeleteProbability).toBe(0.5);
    // Not deleted: received a third time when c1's timeout ends. Deleted: no third receive.
    expect(thirdReceive(0)).toBe("t=61000000 delivered m0 g0 c0 waited 60000000 attempt 3");
    expect(thirdReceive(1)).toBeUndefined();
  });

  it("'Amazon SQS can delete a message from a queue even if a visibility timeout setting causes the message to be locked by another consumer'", () => {
    const { log } = oneJob("sqs", { ...deterministic, staleReceiptDeleteProbability: 1 }, "40s", 2);
    // Deleted at 41 s while c1 holds it (since 31 s): nothing is received after that.
    expect(log.matching("delivered").at(-1)).toBe("t=31000000 delivered m0 g0 c1 waited 30000000 attempt 2");
  });
});

describe("AWS documentation: Amazon SQS short and long polling (SQS Developer Guide)", () => {
  it("long polling returns messages as soon as they become available, and WaitTimeSeconds is at most 20 s", () => {
    const { log } = run({
      duration: "2s",
      broker: { profile: "sqs", settings: deterministic },
      producers: oneMessage,
      consumers: [{ group: "g", processing: "1ms" }],
    });
    // The consumer's long poll has been open since 0 s: the message published at 1 s is returned at 1 s.
    expect(log.matching("delivered")).toEqual(["t=1000000 delivered m0 g0 c0 waited 0"]);
    expect([accepts("sqs", { WaitTimeSeconds: 20 }), accepts("sqs", { WaitTimeSeconds: 21 })]).toEqual([true, false]);
    expect(settingsOf("sqs").ReceiveMessageWaitTimeSeconds).toBe(0);
  });

  it("ReceiveMessage 'MaxNumberOfMessages': 'Valid values: 1 to 10. Default: 1.' (SQS API Reference, ReceiveMessage)", () => {
    expect(settingsOf("sqs").MaxNumberOfMessages).toBe(1);
    expect([accepts("sqs", { MaxNumberOfMessages: 10 }), accepts("sqs", { MaxNumberOfMessages: 11 })]).toEqual([
      true,
      false,
    ]);
  });
});

describe("AWS documentation: quotas (SQS Developer Guide, quotas related to queues and messages)", () => {
  it("in-flight messages: about 120,000 for standard queues, 120,000 for FIFO (the 2023 guide said 20,000); at the quota a long poll returns no messages and no error", () => {
    expect([settingsOf("sqs").inFlightLimit, settingsOf("sqs-fifo").inFlightLimit]).toEqual([120_000, 120_000]);
    const { log } = run({
      duration: "1s",
      drainTimeout: "5s",
      broker: { profile: "sqs", settings: { ...deterministic, inFlightLimit: 1 } },
      producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 2 }],
      consumers: [{ group: "g", instances: 2, processing: "1s" }],
    });
    // c1 waits with an open long poll while m0 is in flight; it gets m1 when m0's delete frees room.
    expect(log.matching("delivered")).toEqual([
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=1100000 delivered m1 g0 c1 waited 900000",
    ]);
  });

  it("'Delay queue: the default (minimum) delay for a queue is 0 seconds. The maximum is 15 minutes.'", () => {
    expect(settingsOf("sqs").DelaySeconds).toBe(0);
    expect([accepts("sqs", { DelaySeconds: 900 }), accepts("sqs", { DelaySeconds: 901 })]).toEqual([true, false]);
    const { log } = oneJob("sqs", { ...deterministic, DelaySeconds: 900 }, "1ms", 1, "20min");
    expect(log.matching("delivered")).toEqual(["t=901000000 delivered m0 g0 c0 waited 900000000"]);
  });

  it("MessageRetentionPeriod: 60 seconds to 14 days, default 4 days (SQS API Reference, CreateQueue); older messages are deleted", () => {
    expect(settingsOf("sqs").MessageRetentionPeriod).toBe(345_600 * SECOND);
    expect([
      accepts("sqs", { MessageRetentionPeriod: 59 }),
      accepts("sqs", { MessageRetentionPeriod: 1_209_601 }),
    ]).toEqual([false, false]);
    // Delayed 90 s with a 60 s retention: the message is deleted when it would first be received.
    const { log, result } = oneJob(
      "sqs",
      { ...deterministic, MessageRetentionPeriod: 60, DelaySeconds: 90 },
      "1ms",
      1,
      "2m",
    );
    expect(log.matching("dropped")).toEqual(["t=91000000 dropped m0 g0 retention"]);
    expect(result.counts).toMatchObject({ deliveries: 0, dropped: 1 });
  });
});

describe("AWS documentation: dead-letter queues (SQS Developer Guide, Using dead-letter queues)", () => {
  it("'when the ReceiveCount for a message exceeds the maxReceiveCount for a queue, Amazon SQS moves the message to a dead-letter queue'", () => {
    const { log, result } = run({
      duration: "2s",
      drainTimeout: "2m",
      broker: { profile: "sqs", settings: { ...deterministic, RedrivePolicy: { maxReceiveCount: 2 } } },
      producers: oneMessage,
      consumers: [{ group: "g", processing: "1s" }],
      faults: [{ poison: { fraction: 1 } }],
    });
    expect(result.counts).toMatchObject({ deliveries: 2, deadLettered: 1 });
    expect(log.matching("dead-lettered")).toEqual(["t=61000000 dead-lettered m0 g0 maxReceiveCount"]);
  });
});

describe("AWS documentation: Lambda Developer Guide, Handling errors for an SQS event source in Lambda", () => {
  it("'If your function code caused the error ... After your queue's visibility timeout runs out, the message will again reappear in the queue' (the default failure handling)", () => {
    const { log } = run({
      duration: "2s",
      drainTimeout: "40s",
      broker: { profile: "sqs", settings: deterministic },
      producers: oneMessage,
      consumers: [{ group: "g", processing: "1s" }],
      faults: [{ poison: { fraction: 1 } }],
    });
    expect(settingsOf("sqs").visibilityTimeoutOnFailure).toBeNull();
    expect(log.matching("delivered")[1]).toBe("t=31000000 delivered m0 g0 c0 waited 30000000 attempt 2");
  });
});

describe("AWS documentation: FIFO exactly-once processing and throughput (SQS Developer Guide)", () => {
  it("'If you retry the SendMessage action within the 5-minute deduplication interval, Amazon SQS doesn't introduce any duplicates into the queue'", () => {
    // Confirms are lost for 1 s, so the producer resends: within 5 minutes the resends are acknowledged, not queued.
    const resend = (backoff: string) =>
      run({
        duration: "3s",
        drainTimeout: "20m",
        broker: { profile: "sqs-fifo", settings: deterministicFifo },
        network: { latency: "1ms" },
        producers: [
          {
            name: "p",
            arrival: { process: "constant", rate: "10/s" },
            publish: { timeout: "50ms", retries: 1, backoff },
          },
        ],
        consumers: [{ group: "g", processing: "5ms" }],
        faults: [{ at: "1s", for: "1s", loss: { link: "broker->p", probability: 1 } }],
      }).result.counts;
    expect(resend("10ms")).toMatchObject({ deduplicated: 10, duplicated: 0 });
    // After the 5-minute interval a resend is a new message.
    expect(resend("6min")).toMatchObject({ deduplicated: 0, duplicated: 10 });
  });

  it("'FIFO queues support 300 transactions per second, per API action ... Requests over 300 TPS get the ThrottlingException error' (Troubleshoot FIFO throttling issues in Amazon SQS)", () => {
    const { log } = run({
      duration: "1s",
      broker: { profile: "sqs-fifo", settings: { ...deterministicFifo, sdkMaxAttempts: 1 } },
      producers: [{ name: "p", arrival: { process: "constant", rate: "500/s" } }],
      consumers: [{ group: "g", processing: "1ms" }],
    });
    // Sends at 2, 4, ... ms: m299 (600 ms) is the 300th in a second, m300 the 301st.
    expect(log.matching("accepted")).toHaveLength(300);
    expect(log.matching("rejected")[0]).toBe("t=602000 rejected m300");
  });

  it("high throughput: 'Each message group supports 300 requests per second' (High throughput for FIFO queues)", () => {
    const hotGroup = (keys: number) =>
      run({
        duration: "1s",
        broker: {
          profile: "sqs-fifo",
          settings: {
            ...deterministicFifo,
            FifoThroughputLimit: "perMessageGroupId",
            DeduplicationScope: "messageGroup",
            sdkMaxAttempts: 1,
          },
        },
        producers: [{ name: "p", arrival: { process: "constant", rate: "500/s" }, keys: { count: keys } }],
        consumers: [{ group: "g", instances: 4, processing: "1ms" }],
      }).result.counts;
    expect(hotGroup(1)).toMatchObject({ accepted: 300, rejected: 199 });
    expect(hotGroup(25)).toMatchObject({ accepted: 499, rejected: 0 });
  });
});

describe("AWS documentation: AWS SDKs and Tools Reference Guide, Retry behavior", () => {
  it("standard retry mode: 'The default maximum number of attempts with this mode is three'", () => {
    expect(settingsOf("sqs-fifo").sdkMaxAttempts).toBe(3);
  });
});
