/**
 * An AMQP consumer: basic.consume on a queue with a prefetch, one message processed at a time
 * for processingMs, then acked (unless autoAck). Reports {type: "received", id, redelivered}
 * when a delivery arrives and {type: "consumed", id} once processed and its ack written. Messages that
 * arrive while it is busy wait in its buffer, as the prefetch allows.
 */
import { type ConsumeMessage, connect } from "amqplib";
import { fail, handleStop, report, sleep, workerOptions } from "./protocol.js";

interface Options {
  url: string;
  queue: string;
  /** basic.qos prefetch_count; 0 = unlimited. */
  prefetch: number;
  autoAck?: boolean;
  processingMs: number;
  /** Heartbeat the client asks for, in seconds; amqplib's default is none. */
  heartbeatS?: number;
}

const options = workerOptions<Options>();
const waiting: ConsumeMessage[] = [];
let busy = false;
let idle: Promise<void> = Promise.resolve();

async function main(): Promise<void> {
  const query = options.heartbeatS === undefined ? "" : `?heartbeat=${options.heartbeatS}`;
  const connection = await connect(`${options.url}${query}`);
  const channel = await connection.createChannel();
  await channel.prefetch(options.prefetch);
  const { consumerTag } = await channel.consume(
    options.queue,
    (message) => {
      if (message === null) return;
      report({ type: "received", id: message.content.toString(), redelivered: message.fields.redelivered });
      waiting.push(message);
      if (!busy) idle = work(channel);
    },
    { noAck: options.autoAck ?? false },
  );
  handleStop(async () => {
    // basic.cancel, finish what was started, then close: RabbitMQ requeues what it had not started.
    await channel.cancel(consumerTag);
    waiting.length = 0;
    await idle;
    // Channel first: its close-ok comes once the broker has handled the acks sent before it. A
    // connection.close right after the last ack lost that ack on 3.10.8 (the message came back).
    await channel.close();
    await connection.close();
  });
  report({ type: "ready" });
}

async function work(channel: { ack(message: ConsumeMessage): void }): Promise<void> {
  busy = true;
  for (let message = waiting.shift(); message; message = waiting.shift()) {
    await sleep(options.processingMs);
    if (!options.autoAck) channel.ack(message);
    report({ type: "consumed", id: message.content.toString() });
  }
  busy = false;
}

main().catch(fail);
