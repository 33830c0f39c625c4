/**
 * A kafkajs transactional producer: writes `committed` records (values 0 ...) in one transaction and commits
 * it, then writes `open` more in a second transaction that it leaves open, reports {type: "open"} and waits
 * (to be SIGKILLed: its transaction stays open until a producer with the same transactional.id starts).
 */
import { Kafka, logLevel } from "kafkajs";
import { fail, handleStop, report, workerOptions } from "./protocol.js";

interface Options {
  brokers: string[];
  topic: string;
  transactionalId: string;
  committed: number;
  open: number;
}

const options = workerOptions<Options>();

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: "queuesim-txn", brokers: options.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    transactionalId: options.transactionalId,
    maxInFlightRequests: 1,
    idempotent: true,
  });
  await producer.connect();
  handleStop(async () => {
    await producer.disconnect();
  });
  report({ type: "ready" });
  const values = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({ value: String(from + i), partition: 0 }));
  const first = await producer.transaction();
  await first.send({ topic: options.topic, messages: values(0, options.committed) });
  await first.commit();
  report({ type: "committed" });
  const second = await producer.transaction();
  await second.send({ topic: options.topic, messages: values(options.committed, options.open) });
  report({ type: "open" });
}

main().catch(fail);
