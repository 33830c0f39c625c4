/**
 * AMQP 0-9-1 helpers for RabbitMQ experiments (amqplib). Message bodies are their ids ("0",
 * "1", ...), so what comes back can be matched with what was sent.
 */
import { type Channel, type ChannelModel, type ConfirmChannel, connect, type Options } from "amqplib";
import { uniqueName } from "./names.js";
import { defer } from "./scope.js";

/**
 * Opens a connection (closed at the end of the experiment if still open). `heartbeatS` is the
 * heartbeat the client asks for; amqplib's default is none. `log` hears of connection.blocked.
 */
export async function connectAmqp(
  url: string,
  options: { heartbeatS?: number; log?: (line: string) => void } = {},
): Promise<ChannelModel> {
  const query = options.heartbeatS === undefined ? "" : `?heartbeat=${options.heartbeatS}`;
  const connection = await connect(`${url}${query}`);
  connection.on("error", (error: Error) => options.log?.(`amqp connection error: ${error.message}`));
  connection.on("blocked", (reason: string) => options.log?.(`amqp connection blocked: ${reason}`));
  defer(async () => {
    await connection.close().catch(() => {}); // already closed, or the broker is gone
  });
  return connection;
}

/**
 * Declares a queue with a name no other experiment uses (`prefix-N`), durable unless told
 * otherwise, with `args` as its x-arguments ({"x-max-length": 10, "x-overflow": "reject-publish"}).
 */
export async function declareFreshQueue(
  channel: Channel,
  prefix: string,
  args: Record<string, unknown> = {},
  options: { durable?: boolean } = {},
): Promise<string> {
  const name = uniqueName(prefix);
  await channel.assertQueue(name, { durable: options.durable ?? true, arguments: args });
  return name;
}

/** The ids the broker confirmed (basic.ack) and refused (basic.nack), each in id order. */
export interface Confirms {
  acked: number[];
  nacked: number[];
}

/**
 * Publishes messages `first` .. `first + count - 1` to `queue` through the default exchange, one
 * after another, and waits for every confirm. Persistent unless told otherwise.
 */
export async function publishWithConfirms(
  channel: ConfirmChannel,
  queue: string,
  count: number,
  options: { first?: number; persistent?: boolean; publish?: Options.Publish } = {},
): Promise<Confirms> {
  const first = options.first ?? 0;
  const outcomes: Promise<{ id: number; acked: boolean }>[] = [];
  for (let id = first; id < first + count; id++) {
    const properties = { persistent: options.persistent ?? true, ...options.publish };
    outcomes.push(
      new Promise((resolve) => {
        channel.sendToQueue(queue, Buffer.from(String(id)), properties, (error) => resolve({ id, acked: !error }));
      }),
    );
  }
  const settled = await Promise.all(outcomes);
  return {
    acked: settled.filter((o) => o.acked).map((o) => o.id),
    nacked: settled.filter((o) => !o.acked).map((o) => o.id),
  };
}

/** How many messages are ready in `queue` (queue.declare passive; unacked ones are not counted). */
export async function readyCount(channel: Channel, queue: string): Promise<number> {
  return (await channel.checkQueue(queue)).messageCount;
}

/** Takes every ready message with basic.get (auto-ack) until the queue is empty; returns their ids. */
export async function drainQueue(channel: Channel, queue: string): Promise<number[]> {
  const ids: number[] = [];
  for (;;) {
    const message = await channel.get(queue, { noAck: true });
    if (message === false) return ids;
    ids.push(Number(message.content.toString()));
  }
}

/** One delivery a consumer saw. */
export interface Delivery {
  id: number;
  redelivered: boolean;
  /** Date.now() when it arrived. */
  atMs: number;
}

/**
 * Consumes `queue` in this process and records every delivery; with manual acks (the default)
 * each is acked at once. For a consumer that must die or hang, use a worker
 * (workers/amqp-consumer.ts) instead.
 */
export async function recordDeliveries(
  channel: Channel,
  queue: string,
  options: { prefetch?: number; noAck?: boolean } = {},
): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  if (options.prefetch !== undefined) await channel.prefetch(options.prefetch);
  const noAck = options.noAck ?? false;
  await channel.consume(
    queue,
    (message) => {
      if (message === null) return; // cancelled by the broker
      deliveries.push({
        id: Number(message.content.toString()),
        redelivered: message.fields.redelivered,
        atMs: Date.now(),
      });
      if (!noAck) channel.ack(message);
    },
    { noAck },
  );
  return deliveries;
}
