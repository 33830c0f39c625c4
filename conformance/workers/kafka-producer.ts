/**
 * A kafkajs producer (idempotent unless told otherwise) that writes records `from` ... `from + count - 1`
 * to partition 0, one send at a time with acks=all, reporting {type: "confirmed", n} after each and
 * {type: "done"} at the end. SIGKILL it to crash it; start another from the first unconfirmed record
 * to model an application that sends again what it had not seen confirmed.
 */
import { Kafka, logLevel } from "kafkajs";
import { fail, handleStop, report, sleep, workerOptions } from "./protocol.js";

interface Options {
  brokers: string[];
  topic: string;
  from: number;
  count: number;
  /** Records per second at most (each waits for its confirm anyway). */
  rate: number;
  idempotent?: boolean;
}

const options = workerOptions<Options>();

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: "queuesim-producer", brokers: options.brokers, logLevel: logLevel.NOTHING });
  const idempotent = options.idempotent ?? true;
  const producer = kafka.producer({ idempotent, maxInFlightRequests: idempotent ? 1 : 5 });
  await producer.connect();
  handleStop(async () => {
    await producer.disconnect();
  });
  report({ type: "ready" });
  const started = Date.now();
  for (let i = 0; i < options.count; i++) {
    const due = started + (i * 1000) / options.rate;
    if (due > Date.now()) await sleep(due - Date.now());
    const n = options.from + i;
    await producer.send({ topic: options.topic, acks: -1, messages: [{ value: String(n), partition: 0 }] });
    report({ type: "confirmed", n });
  }
  report({ type: "done" });
}

main().catch(fail);
