/**
 * What an autoAck consumer that stops reading holds: RabbitMQ pushes without a prefetch bound, but
 * only as far as the socket buffers and the 200 messages the queue sends ahead of the socket go.
 */
import type { Run } from "../../src/index.js";
import { connectAmqp, declareFreshQueue, readyCount } from "../lib/amqp.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { sleep, waitUntil } from "../lib/wait.js";
import { startWorker } from "../lib/worker.js";
import type { RabbitFixture } from "./suite.js";

/** Publishes `count` transient messages of `size` bytes (confirmed) into a fresh transient queue. */
async function fill(fixture: RabbitFixture, count: number, size: number) {
  const connection = await connectAmqp(fixture.server.url);
  const channel = await connection.createConfirmChannel();
  const queue = await declareFreshQueue(channel, "stalled", {}, { durable: false });
  const body = Buffer.alloc(size, 120);
  for (let id = 0; id < count; id++) channel.sendToQueue(queue, body);
  await channel.waitForConfirms();
  return { channel, queue };
}

/** Polls the ready count until it stops moving for half a second. */
async function settledReady(channel: Parameters<typeof readyCount>[0], queue: string): Promise<number> {
  let previous = -1;
  return waitUntil(
    "the queue to stop draining",
    async () => {
      const ready = await readyCount(channel, queue);
      const settled = ready === previous;
      previous = ready;
      if (!settled) await sleep(500);
      return settled ? ready : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 1 },
  );
}

function stalledReader(sizeBytes: number, count: number): Experiment<RabbitFixture> {
  const label = sizeBytes >= 1000 ? `${sizeBytes / 1000}kb` : `${sizeBytes}b`;
  return {
    id: `rabbitmq/autoack-stopped-reader-${label}`,
    title: `An autoAck consumer that stops reading holds only what the sockets take: messages of ${sizeBytes / 1000} KB`,
    behaviour: "the push without prefetch: bounded by socket bytes plus UNSENT_MESSAGE_LIMIT",
    description:
      `A queue holds ${count} messages of ${sizeBytes} bytes. A consumer process (autoAck, no prefetch) freezes itself ` +
      "(SIGSTOP) on its first delivery, so it reads nothing more. Once the queue stops draining, counted: the " +
      "messages that left the queue (pushed to the frozen consumer, lost if it dies) and those still ready.",
    async real(fixture, context) {
      const { channel, queue } = await fill(fixture, count, sizeBytes);
      const worker = await startWorker(context, "amqp-stalled-reader", {
        url: fixture.server.url,
        queue,
        prefetch: 0,
        autoAck: true,
      });
      await worker.waitFor("received");
      const ready = await settledReady(channel, queue);
      await worker.kill();
      return { held: count - ready, ready };
    },
    scenario: () => ({
      name: `rabbitmq-autoack-stopped-reader-${label}`,
      seed: 1,
      duration: "1s",
      drainTimeout: "0s",
      broker: { profile: "rabbitmq", settings: { version: "3.10", autoAck: true } },
      producers: [
        { name: "fill", size: `${sizeBytes}B`, arrival: { process: "constant", rate: "1000000/s" }, limit: count },
      ],
      // It takes an hour over its first message: it never reads the next one.
      consumers: [{ group: "g", processing: "1h" }],
    }),
    simulated: (run: Run): Figures => ({
      held: run.summary.messages.deliveries,
      ready: count - run.summary.messages.deliveries,
    }),
    rules: {
      held: {
        kind: "band",
        absolute: 60,
        relative: 0.06,
        why: "the queue hears that the socket took its messages in batches of 50 (rabbit_amqqueue_common's notify_sent) and the kernel autotunes the socket buffers: repeated runs held 3,750 to 3,900 messages of 1 KB, 550 to 600 of 10 KB",
      },
      ready: {
        kind: "band",
        absolute: 60,
        relative: 0.06,
        why: "the complement of held, with the same spread",
      },
    },
    timeoutMs: 60_000,
  };
}

export const autoackStoppedReader1kb = stalledReader(1000, 10_000);
export const autoackStoppedReader10kb = stalledReader(10_000, 2_000);
