// Proves batching producers: requests of up to `size` messages (fewer after `linger`, or under SQS's 1 MiB SendMessageBatch cap) reach the broker together; a producer crash loses the unsent batch, or sends it again with resendOnRestart; profiles' limits are enforced.
import { describe, expect, it } from "vitest";
import { simulate, validateScenario } from "../../src/index.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const sqs = {
  profile: "sqs",
  settings: {
    MaxNumberOfMessages: 10,
    WaitTimeSeconds: 20,
    duplicateProbability: 0,
    staleReceiptDeleteProbability: 0,
    reorderWindow: 1,
  },
};

/** 25 messages 1 ms apart (m0 at 1 ms), sent in batches of 10 with a 50 ms linger. */
function batchedRun(extra: { producer?: Record<string, unknown>; faults?: unknown[]; size?: string } = {}) {
  const log = new EventLog();
  const input = scenarioInput({
    duration: "1s",
    drainTimeout: "2m",
    broker: sqs,
    producers: [
      {
        name: "p",
        arrival: { process: "constant", rate: "1000/s" },
        limit: 25,
        size: extra.size ?? "1KB",
        batch: { size: 10, linger: "50ms" },
        ...extra.producer,
      },
    ],
    consumers: [{ group: "g", processing: "1ms" }],
    faults: extra.faults ?? [],
  });
  const result = simulate(parsed(input), { observers: [log] });
  return { result, log };
}

describe("batching producers", () => {
  it("send 10 at a time; the last 5 go when the linger of the first of them runs out", () => {
    const { result, log } = batchedRun();
    const acceptedAt = log.matching("accepted").map((line) => Number(line.split(" ")[0]!.slice(2)));
    // m0-m9 leave with m9 at 10 ms, m10-m19 with m19 at 20 ms, m20-m24 when m20's linger ends, at 21 + 50 ms.
    expect(acceptedAt).toEqual([
      ...Array<number>(10).fill(10_000),
      ...Array<number>(10).fill(20_000),
      ...Array<number>(5).fill(71_000),
    ]);
    expect(result.publishBatches?.p).toEqual({ bySize: [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2], sent: 3, lostUnsent: 0 });
    expect(result.counts).toMatchObject({ published: 25, lost: 0, unknown: 0 });
  });

  it("a producer crash loses the batch it had not sent: 5 messages never reach SQS, unknown to the producer", () => {
    const { result } = batchedRun({
      faults: [{ at: "15500us", crash: "producer", target: "p#1", restartAfter: "1ms" }],
    });
    expect(result.publishBatches?.p?.lostUnsent).toBe(5);
    // Not promised, so not lost: the producer never saw them confirmed (summary.json's messages.unknown).
    expect(result.counts).toMatchObject({ unknown: 5, lost: 0 });
    expect(result.counts.consumed).toBe(result.counts.published - 5);
  });

  it("with resendOnRestart the restarted application sends the lost batch again", () => {
    const { result } = batchedRun({
      producer: { publish: { resendOnRestart: true } },
      faults: [{ at: "15500us", crash: "producer", target: "p#1", restartAfter: "1ms" }],
    });
    expect(result.publishBatches?.p?.lostUnsent).toBe(5);
    expect(result.counts).toMatchObject({ unknown: 0, lost: 0 });
    expect(result.counts.consumed).toBe(result.counts.published);
  });

  it("sqs: a SendMessageBatch carries at most 1 MiB, so 400 KB messages go two at a time", () => {
    const { result } = batchedRun({ size: "400KB" });
    const sizes = result.publishBatches!.p!.bySize;
    expect(sizes.findLastIndex((count) => count > 0)).toBe(2);
    expect(result.counts).toMatchObject({ published: 25, lost: 0 });
  });
});

describe("producer batch validation", () => {
  const issuesFor = (broker: Record<string, unknown>, size: number) => {
    const result = validateScenario(
      scenarioInput({ broker, producers: [{ name: "p", rate: "10/s", batch: { size } }] }),
    );
    return result.ok ? [] : result.issues.map((issue) => [issue.path.join("."), issue.message]);
  };

  it("sqs: above 10 entries is refused, naming SendMessageBatch", () => {
    expect(issuesFor({ profile: "sqs" }, 10)).toEqual([]);
    const [[path, message]] = issuesFor({ profile: "sqs" }, 11) as [[string, string]];
    expect(path).toBe("producers.0.batch.size");
    expect(message).toContain("SendMessageBatch");
  });

  it("kafka: refused, pointing at linger.ms and batch.size", () => {
    const [[path, message]] = issuesFor({ profile: "kafka" }, 10) as [[string, string]];
    expect(path).toBe("producers.0.batch");
    expect(message).toContain("linger.ms");
  });
});
