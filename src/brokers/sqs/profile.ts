import { builtOnce } from "../../units/built-once.js";
import { brokerSection, defineProfile, profileFacts } from "../profile.js";
import { fifoPartitions, fifoSettingsSchema, standardSettingsSchema } from "./settings.js";
import { createSqsBroker } from "./sqs.js";

const standardSummary = "AWS SQS standard queue: pull, visibility timeout, at-least-once with rare duplicates";
const fifoSummary = "AWS SQS FIFO queue: strict order per MessageGroupId (the message key), 300 calls/s per action";

export const sqsSchema = builtOnce(() => brokerSection("sqs", standardSummary, standardSettingsSchema()));
export const sqsFifoSchema = builtOnce(() => brokerSection("sqs-fifo", fifoSummary, fifoSettingsSchema()));

/**
 * A consumer holds what its receives returned: one batch of MaxNumberOfMessages
 * even when it processes fewer at once (the rest wait in its buffer, their
 * visibility timeouts running), and at least as many as it processes at once.
 */
function capacity(settings: { MaxNumberOfMessages: number }, concurrency: number): number {
  return Math.max(concurrency, settings.MaxNumberOfMessages);
}

/**
 * A batch is what one ReceiveMessage returns, deleted with one DeleteMessageBatch: at most
 * MaxNumberOfMessages, itself at most 10. (Gathering a batch over several receives would stall on
 * sqs-fifo, where a message group's next message waits until the one in flight is deleted.)
 */
function sqsBatches(max: number) {
  return {
    maxSize: {
      size: max,
      because:
        max < 10
          ? `a batch is what one ReceiveMessage returns, and MaxNumberOfMessages is ${max} (raise it, up to 10)`
          : "SQS DeleteMessageBatch deletes at most 10 messages per call (ReceiveMessage returns at most 10)",
    },
  };
}

/**
 * SendMessageBatch: at most 10 entries, and the entries' bodies together at most the message size limit,
 * 1 MiB in the current API reference (256 KiB before 2025; broker-facts.md, "Message size").
 */
const sqsSendBatches = () => ({
  maxSize: { size: 10, because: "SQS SendMessageBatch sends at most 10 messages per call" },
  maxBytes: { bytes: 1024 * 1024, because: "SendMessageBatch's total payload is at most 1 MiB" },
});

export const sqsProfile = defineProfile({
  name: "sqs",
  routesStages: true,
  // forEachHeld and releaseRead cover everything the queues may still read (sqs.ts), so every run may retire: no
  // feature is left out (docs/design.md, "Memory").
  retiresMessages: true,
  visitsStragglers: true,
  facts: profileFacts({
    ordering: "none",
    crashDetection: "never: the visibility timeout returns what it held",
    delay: { mechanism: "timer", feature: "SendMessage DelaySeconds", maxMicros: 900_000_000 },
  }),
  summary: standardSummary,
  schema: sqsSchema,
  create: (context, section) =>
    createSqsBroker(context, section.settings, {
      type: "standard",
      duplicateProbability: section.settings.duplicateProbability,
      staleReceiptDeleteProbability: section.settings.staleReceiptDeleteProbability,
      reorderWindow: section.settings.reorderWindow,
    }),
  consumerCapacity: (section, concurrency) => capacity(section.settings, concurrency),
  consumerHeartbeat: (section) => section.settings.visibilityHeartbeat?.every ?? null,
  redrive: "StartMessageMoveTask from the dead-letter queue back to the source queue",
  brokerRetry: "ChangeMessageVisibility to the backoff delay; the redrive policy's maxReceiveCount dead-letters",
  // A message's DelaySeconds replaces the queue's: the run applies the queue's to messages sent without one.
  defaultDelay: (section) => ({
    delay: section.settings.DelaySeconds,
    rest: { ...section, settings: { ...section.settings, DelaySeconds: 0 } },
  }),
  consumerBatches: (section) => sqsBatches(section.settings.MaxNumberOfMessages),
  producerBatches: sqsSendBatches,
});

export const sqsFifoProfile = defineProfile({
  name: "sqs-fifo",
  routesStages: true,
  // forEachHeld and releaseRead cover everything the queues may still read (sqs.ts), so every run may retire: no
  // feature is left out (docs/design.md, "Memory").
  retiresMessages: true,
  visitsStragglers: true,
  facts: profileFacts({
    ordering: "per-partition",
    partitions: true,
    crashDetection: "never: the visibility timeout returns what it held",
    delay: {
      mechanism: "none",
      refusal:
        "SQS FIFO queues do not support per-message DelaySeconds (SendMessage fails with InvalidParameterValue): set the queue's DelaySeconds instead, or use a standard queue",
    },
  }),
  summary: fifoSummary,
  schema: sqsFifoSchema,
  create: (context, section) =>
    createSqsBroker(context, section.settings, {
      type: "fifo",
      partitions: fifoPartitions(section.settings),
      sdkMaxAttempts: section.settings.sdkMaxAttempts,
    }),
  consumerCapacity: (section, concurrency) => capacity(section.settings, concurrency),
  consumerHeartbeat: (section) => section.settings.visibilityHeartbeat?.every ?? null,
  redrive: "StartMessageMoveTask from the dead-letter queue back to the source queue",
  brokerRetry: "ChangeMessageVisibility to the backoff delay; the redrive policy's maxReceiveCount dead-letters",
  consumerBatches: (section) => sqsBatches(section.settings.MaxNumberOfMessages),
  producerBatches: sqsSendBatches,
});
