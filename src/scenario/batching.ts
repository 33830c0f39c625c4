import * as z from "zod";
import { consumerBatching, producerBatching } from "../brokers/registry.js";
import { duration, durationDistribution } from "../units/quantities.js";
import { boundsOn } from "./patterns.js";
import type { ParsedScenario } from "./schema.js";

/**
 * A consumer group's `batch:` (docs/patterns.md, "Batching"): each worker takes up to `size` deliveries,
 * processes them one after another and settles them together, in one call (SQS DeleteMessageBatch, one
 * Kafka commit, RabbitMQ basic.ack with multiple=true, one XACK of many ids).
 */
export const batchSchema = z
  .strictObject({
    size: z.number().int().min(1).meta({
      description:
        "most deliveries in one batch (the profile caps it: SQS MaxNumberOfMessages, Kafka max.poll.records, RabbitMQ prefetch)",
    }),
    wait: duration().prefault(0).meta({
      description:
        "how long a free worker waits for a batch to fill before it takes what it has; 0 takes what is in hand at once",
    }),
    overhead: durationDistribution().prefault(0).meta({
      description:
        "the batch's own cost, paid once before its messages are processed (the bulk call, the transaction); each message then takes its `processing` time",
    }),
  })
  .meta({ description: "process and acknowledge deliveries in batches" });

export type BatchSpec = z.output<typeof batchSchema>;

/**
 * A producer's `batch:`: each instance gathers messages and sends them in one request (SQS SendMessageBatch,
 * a burst of basic.publish before waitForConfirms, BullMQ addBulk, a Redis pipeline).
 */
export const publishBatchSchema = z
  .strictObject({
    size: z
      .number()
      .int()
      .min(1)
      .meta({ description: "most messages in one batch request (the profile may cap it: SQS 10)" }),
    linger: duration().prefault(0).meta({
      description:
        "how long the first message of a batch waits for the rest; 0 sends at once what was created at the same instant",
    }),
  })
  .meta({
    description: "send messages in batch requests; a crash loses the unsent batch (resendOnRestart sends it again)",
  });

/**
 * Batches the scenario's profile refuses or cannot fill: a size above the profile's limit (SQS 10, Kafka's
 * max.poll.records, RabbitMQ's prefetch), a profile without batches (BullMQ), a Kafka batch consumer with
 * concurrency above 1, and batches combined with processing steps. Run after the schema, on the parsed scenario.
 */
export function batchProblems(scenario: ParsedScenario): { path: (string | number)[]; message: string }[] {
  const batching = consumerBatching(scenario.broker);
  const problems = publishBatchProblems(scenario);
  scenario.consumers.forEach((consumer, index) => {
    const batch = consumer.batch;
    if (batch === undefined) return;
    const at = ["consumers", index, "batch"];
    const group = `group "${consumer.group}"`;
    if ("refused" in batching) {
      problems.push({ path: at, message: `${scenario.broker.profile} cannot batch (${group}): ${batching.refused}` });
      return;
    }
    if (batching.maxSize !== undefined && batch.size > batching.maxSize.size)
      problems.push({
        path: [...at, "size"],
        message: `batch size ${batch.size} is above ${scenario.broker.profile}'s limit of ${batching.maxSize.size} (${group}): ${batching.maxSize.because}`,
      });
    if (batching.oneWorker !== undefined && consumer.concurrency > 1)
      problems.push({
        path: ["consumers", index, "concurrency"],
        message: `a batch consumer on ${scenario.broker.profile} has concurrency 1, found ${consumer.concurrency} (${group}): ${batching.oneWorker}`,
      });
    if (consumer.steps !== undefined)
      problems.push({
        path: at,
        message: `${group} gives both batch and steps: a batch is processed with \`processing\` per message; remove one`,
      });
  });
  return problems;
}

/** Producer batches the profile refuses (Kafka batches by itself) or caps (SQS SendMessageBatch: 10 entries). */
function publishBatchProblems(scenario: ParsedScenario): { path: (string | number)[]; message: string }[] {
  const batching = producerBatching(scenario.broker);
  const problems: { path: (string | number)[]; message: string }[] = [];
  scenario.producers.forEach((producer, index) => {
    const batch = producer.batch;
    if (batch === undefined) return;
    const at = ["producers", index, "batch"];
    const who = `producer "${producer.name}"`;
    if ("refused" in batching)
      problems.push({
        path: at,
        message: `${scenario.broker.profile} cannot take batch (${who}): ${batching.refused}`,
      });
    else if (batching.maxSize !== undefined && batch.size > batching.maxSize.size)
      problems.push({
        path: [...at, "size"],
        message: `batch size ${batch.size} is above ${scenario.broker.profile}'s limit of ${batching.maxSize.size} (${who}): ${batching.maxSize.because}`,
      });
  });
  return problems;
}

/** `expect.batches`: bounds on a batching group's figures, as summary.json's `batches.<group>` states them. */
export const expectBatchesSchema = z
  .record(z.string(), boundsOn(["batches", "meanSize", "settled", "abandoned"] as const))
  .optional()
  .meta({ description: "bounds on batch figures, by consumer group with batch: {indexer: {meanSize: {min: 8}}}" });

/** `expect.batches` entries naming a group that does not batch. */
export function expectBatchProblems(
  scenario: ParsedScenario,
): { path: (string | number)[]; message: string; candidates: string[] }[] {
  const batching = scenario.consumers.filter((c) => c.batch !== undefined).map((c) => c.group);
  const list = batching.length === 0 ? "there is none" : `known: ${batching.join(", ")}`;
  return Object.keys(scenario.expect.batches ?? {})
    .filter((name) => !batching.includes(name))
    .map((name) => ({
      path: ["expect", "batches", name],
      message: `"${name}" is not a consumer group with batch (${list})`,
      candidates: batching,
    }));
}
