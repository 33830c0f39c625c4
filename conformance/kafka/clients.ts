/**
 * Small kafkajs helpers for the Kafka experiments (group-, producer- and cluster-experiments.ts): topics, producing numbered
 * records, reading a topic back, counting, waiting.
 */
import type { ITopicConfig, Kafka, Producer } from "kafkajs";
import type { RealContext } from "../lib/experiment.js";
import { sleep } from "../lib/servers/kafka.js";

/** A name no earlier run on the same server used (topics and groups outlive an experiment). */
export function unique(name: string): string {
  return `${name}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export async function createTopic(
  kafka: Kafka,
  topic: string,
  partitions: number,
  configEntries: ITopicConfig["configEntries"] = [],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Writes records 0..count-1 (value = the number, key = key-<n mod keys> when keys is given), `perSend` at a time. */
export async function produceNumbered(
  producer: Producer,
  topic: string,
  count: number,
  options: { keys?: number; perSend?: number; acks?: number; partition?: number } = {},
): Promise<void> {
  const perSend = options.perSend ?? 100;
  for (let first = 0; first < count; first += perSend) {
    const messages = [];
    for (let n = first; n < Math.min(first + perSend, count); n++) {
      messages.push({
        value: String(n),
        ...(options.keys === undefined ? {} : { key: `key-${n % options.keys}` }),
        ...(options.partition === undefined ? {} : { partition: options.partition }),
      });
    }
    await producer.send({ topic, acks: options.acks ?? -1, messages });
  }
}

/** Records per partition: the high watermark minus the log start of each. */
export async function recordsPerPartition(kafka: Kafka, topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const counts: number[] = [];
    for (const p of offsets) counts[p.partition] = Number(p.high) - Number(p.low);
    return counts;
  } finally {
    await admin.disconnect();
  }
}

/** Reads every record of `topic` with a fresh group: value -> copies in the log. */
export async function readAll(
  kafka: Kafka,
  topic: string,
  context: RealContext,
  readUncommitted = true,
): Promise<Map<string, number>> {
  const total = (await recordsPerPartition(kafka, topic)).reduce((sum, n) => sum + n, 0);
  const copies = new Map<string, number>();
  let read = 0;
  const consumer = kafka.consumer({ groupId: unique("read-all"), maxWaitTimeInMs: 200, readUncommitted });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value?.toString() ?? "";
        copies.set(value, (copies.get(value) ?? 0) + 1);
        read++;
      },
    });
    // Offsets also count transaction markers and aborted records, which a read_committed reader skips: so
    // read until `total` records came, or none came for a second, then wait that second out anyway for
    // anything still on its way (the count is not an upper bound either way).
    const deadline = Date.now() + 30_000;
    let last = -1;
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      await sleep(100);
      if (read !== last) {
        last = read;
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= 1000 && (read >= total || read > 0)) break;
    }
  } finally {
    await consumer.disconnect();
  }
  context.log(`read ${read} records back from ${topic} (${total} offsets)`);
  return copies;
}

/** Records consumed more than once, from per-record counts. */
export function duplicatesOf(counts: Map<string, number>): number {
  let duplicates = 0;
  for (const n of counts.values()) if (n > 1) duplicates += n - 1;
  return duplicates;
}

export async function until(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
