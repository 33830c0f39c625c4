/**
 * A kafkajs consumer in a group, one record at a time: processes each record for processingMs and
 * reports {type: "received", id, partition} when it starts on it and {type: "consumed", id} when done.
 * How it commits (`commit`):
 * - "auto": kafkajs auto-commit every autoCommitIntervalMs (checked after each record, as kafkajs does);
 * - "after": commits each record's offset once it is processed;
 * - "before": commits a whole fetched batch as soon as it arrives, then processes it (at-most-once).
 * Reports {type: "assigned", partitions} after each join. On {type: "stop"} it disconnects, which
 * sends LeaveGroup: a clean close.
 */
import { Kafka, logLevel } from "kafkajs";
import { fail, handleStop, report, sleep, workerOptions } from "./protocol.js";

interface Options {
  brokers: string[];
  topic: string;
  groupId: string;
  commit: "auto" | "after" | "before";
  processingMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  autoCommitIntervalMs?: number;
}

const options = workerOptions<Options>();

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: "queuesim-worker", brokers: options.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    maxWaitTimeInMs: 500,
  });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    report({ type: "assigned", partitions: event.payload.memberAssignment[options.topic] ?? [] });
  });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  handleStop(async () => {
    await consumer.disconnect();
  });
  const handle = async (partition: number, value: string | undefined) => {
    report({ type: "received", id: value ?? "", partition });
    await sleep(options.processingMs);
    report({ type: "consumed", id: value ?? "", partition });
  };
  if (options.commit === "before") {
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const last = batch.messages.at(-1);
        if (last === undefined) return;
        const next = (BigInt(last.offset) + 1n).toString();
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          await handle(batch.partition, message.value?.toString());
          resolveOffset(message.offset);
          await heartbeat();
        }
      },
    });
  } else {
    await consumer.run({
      autoCommit: options.commit === "auto",
      ...(options.autoCommitIntervalMs === undefined ? {} : { autoCommitInterval: options.autoCommitIntervalMs }),
      eachMessage: async ({ partition, message }) => {
        await handle(partition, message.value?.toString());
        if (options.commit === "after") {
          const next = (BigInt(message.offset) + 1n).toString();
          await consumer.commitOffsets([{ topic: options.topic, partition, offset: next }]);
        }
      },
    });
  }
  report({ type: "ready" });
}

main().catch(fail);
