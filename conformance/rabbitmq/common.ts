/** What several RabbitMQ experiments share: a queue with a batch of messages, and a consumer that records redeliveries. */
import type { Channel, ChannelModel } from "amqplib";
import { connectAmqp, type Delivery, declareFreshQueue, publishWithConfirms, recordDeliveries } from "../lib/amqp.js";
import { waitUntil } from "../lib/wait.js";
import type { RabbitFixture } from "./suite.js";

export interface Batch {
  connection: ChannelModel;
  channel: Channel;
  queue: string;
}

/** A fresh durable classic queue (with `args`) holding `count` confirmed persistent messages "0", "1", .... */
export async function queueWithBatch(
  fixture: RabbitFixture,
  prefix: string,
  count: number,
  args: Record<string, unknown> = {},
): Promise<Batch> {
  const connection = await connectAmqp(fixture.server.url);
  const channel = await connection.createConfirmChannel();
  const queue = await declareFreshQueue(channel, prefix, args);
  await publishWithConfirms(channel, queue, count);
  return { connection, channel, queue };
}

/** A second consumer in this process (its own connection, acking at once) that records what it gets. */
export async function standbyConsumer(fixture: RabbitFixture, queue: string, prefetch = 100): Promise<Delivery[]> {
  const connection = await connectAmqp(fixture.server.url);
  return recordDeliveries(await connection.createChannel(), queue, { prefetch });
}

/** Waits until `deliveries` holds `count` redelivered messages; returns the first one's arrival time. */
export async function firstOfRedeliveries(deliveries: Delivery[], count: number, timeoutMs = 10_000): Promise<number> {
  const redelivered = await waitUntil(
    `${count} redeliveries`,
    () => {
      const found = deliveries.filter((d) => d.redelivered);
      return found.length >= count ? found : undefined;
    },
    { timeoutMs, intervalMs: 1 },
  );
  return Math.min(...redelivered.map((d) => d.atMs));
}
