/**
 * Failed processing: a quorum queue's delivery limit (none by default in 3.x, or x-delivery-limit), and a
 * nack without requeue dead-lettering the message.
 */
import type { ConsumeMessage } from "amqplib";
import type { Run } from "../../src/index.js";
import { connectAmqp, declareFreshQueue, publishWithConfirms, readyCount } from "../lib/amqp.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { sleep, waitUntil } from "../lib/wait.js";
import type { RabbitFixture } from "./suite.js";

/** A quorum queue with one message, consumed by a consumer that nacks (requeue) everything, up to `most` deliveries. */
async function nackLoop(fixture: RabbitFixture, args: Record<string, unknown>, most: number) {
  const connection = await connectAmqp(fixture.server.url);
  const channel = await connection.createConfirmChannel();
  const queue = await declareFreshQueue(channel, "poison", { "x-queue-type": "quorum", ...args });
  await publishWithConfirms(channel, queue, 1);
  const consumer = await (await connectAmqp(fixture.server.url)).createChannel();
  await consumer.prefetch(1);
  let deliveries = 0;
  let lastAt = Date.now();
  await consumer.consume(queue, (message: ConsumeMessage | null) => {
    if (message === null) return;
    deliveries += 1;
    lastAt = Date.now();
    if (deliveries < most) consumer.nack(message, false, true);
  });
  // Done when `most` deliveries came, or nothing came for half a second (the queue gave the message up).
  await waitUntil("the nack loop to end", () => deliveries >= most || Date.now() - lastAt > 500, {
    timeoutMs: 20_000,
  });
  await consumer.close();
  await sleep(100);
  return { deliveries, ready: await readyCount(channel, queue) };
}

/** One poison message, processed in 10 ms and nacked with requeue each time, on a 3.10 quorum queue. */
function poisonScenario(name: string, settings: Record<string, unknown>) {
  return {
    name,
    seed: 1,
    duration: "100ms",
    drainTimeout: "1s",
    broker: { profile: "rabbitmq-quorum", settings: { version: "3.10", prefetch: 1, ...settings } },
    producers: [{ name: "poison", arrival: { process: "constant", rate: "100/s" }, limit: 1 }],
    consumers: [{ group: "g", processing: "10ms" }],
    faults: [{ poison: { fraction: 1 } }],
  };
}

const RETURNS = 25;

export const quorumNoDeliveryLimit: Experiment<RabbitFixture> = {
  id: "rabbitmq/quorum-delivery-limit-3x-unlimited",
  title: "A 3.x quorum queue without x-delivery-limit never gives up on a message that is nacked again and again",
  behaviour: "quorum delivery limit by version (3.x: none by default)",
  description:
    `A quorum queue declared without x-delivery-limit holds one message; a consumer nacks it with requeue ${RETURNS} ` +
    "times and keeps the next delivery. Counted: whether the message came back after every nack (1: delivered " +
    `${RETURNS + 1} times) and whether it was given up (dropped or dead-lettered).`,
  async real(fixture) {
    const { deliveries } = await nackLoop(fixture, {}, RETURNS + 1);
    return { deliveredAfterEveryReturn: deliveries === RETURNS + 1 ? 1 : 0, givenUp: deliveries <= RETURNS ? 1 : 0 };
  },
  scenario: () => poisonScenario("rabbitmq-quorum-delivery-limit-3x-unlimited", {}),
  simulated: (run: Run): Figures => ({
    // In 1.1 s a 10 ms nack loop returns the message about 100 times.
    deliveredAfterEveryReturn: run.summary.messages.redeliveries >= RETURNS ? 1 : 0,
    givenUp: run.summary.messages.deadLettered + run.summary.messages.dropped,
  }),
  rules: { deliveredAfterEveryReturn: { kind: "exact" }, givenUp: { kind: "exact" } },
};

const LIMIT = 3;

export const quorumDeliveryLimit: Experiment<RabbitFixture> = {
  id: "rabbitmq/quorum-delivery-limit",
  title: "A quorum queue with x-delivery-limit 3 gives a nacked message up on its 4th return: 4 deliveries",
  behaviour: "quorum delivery limit: given up when returns exceed x-delivery-limit",
  description:
    `A quorum queue with x-delivery-limit ${LIMIT} and no dead-letter exchange holds one message; a consumer nacks ` +
    "it with requeue every time. Counted: deliveries before the queue gives the message up (it stops coming back) " +
    "and messages left in the queue.",
  async real(fixture) {
    const { deliveries, ready } = await nackLoop(fixture, { "x-delivery-limit": LIMIT }, 50);
    return { deliveries, ready };
  },
  scenario: () => poisonScenario("rabbitmq-quorum-delivery-limit", { "x-delivery-limit": LIMIT }),
  simulated: (run: Run): Figures => ({
    deliveries: run.summary.messages.deliveries,
    ready: run.summary.messages.pending,
  }),
  rules: { deliveries: { kind: "exact" }, ready: { kind: "exact" } },
};

const NACKED = 10;

export const nackDeadLetter: Experiment<RabbitFixture> = {
  id: "rabbitmq/nack-dead-letter",
  title: "basic.nack with requeue=false dead-letters the message",
  behaviour: "failed processing without requeue: dead-lettered (reason rejected)",
  description:
    `A classic queue with a dead-letter exchange (the default exchange, to a dead-letter queue) holds ${NACKED} ` +
    "messages; a consumer nacks each with requeue=false. Counted: messages in the dead-letter queue and messages " +
    "left in the queue.",
  async real(fixture) {
    const connection = await connectAmqp(fixture.server.url);
    const channel = await connection.createConfirmChannel();
    const deadLetters = await declareFreshQueue(channel, "rejected");
    const queue = await declareFreshQueue(channel, "nacked", {
      "x-dead-letter-exchange": "",
      "x-dead-letter-routing-key": deadLetters,
    });
    await publishWithConfirms(channel, queue, NACKED);
    const consumer = await (await connectAmqp(fixture.server.url)).createChannel();
    await consumer.consume(queue, (message) => {
      if (message !== null) consumer.nack(message, false, false);
    });
    const deadLettered = await waitUntil(
      "every nacked message in the dead-letter queue",
      async () => {
        const count = await readyCount(channel, deadLetters);
        return count >= NACKED ? count : undefined;
      },
      { timeoutMs: 10_000 },
    );
    return { deadLettered, left: await readyCount(channel, queue) };
  },
  scenario: () => ({
    name: "rabbitmq-nack-dead-letter",
    seed: 1,
    duration: "1s",
    broker: {
      profile: "rabbitmq",
      settings: { version: "3.10", requeueOnFailure: false, "x-dead-letter-exchange": "rejected" },
    },
    producers: [{ name: "batch", arrival: { process: "constant", rate: "1000/s" }, limit: NACKED }],
    consumers: [{ group: "g", processing: "1ms" }],
    faults: [{ poison: { fraction: 1 } }],
  }),
  simulated: (run: Run): Figures => ({
    deadLettered: run.summary.messages.deadLettered,
    left: run.summary.messages.pending,
  }),
  rules: { deadLettered: { kind: "exact" }, left: { kind: "exact" } },
};
