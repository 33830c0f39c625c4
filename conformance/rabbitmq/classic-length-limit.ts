/**
 * A classic queue with x-max-length and no consumer, filled by a burst of confirmed persistent
 * publishes: what the length limit keeps, drops and refuses under each overflow mode.
 */
import type { ConfirmChannel } from "amqplib";
import type { Run } from "../../src/index.js";
import { connectAmqp, declareFreshQueue, drainQueue, publishWithConfirms } from "../lib/amqp.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import type { RabbitFixture } from "./suite.js";

const BURST = 100;
const MAX_LENGTH = 10;

/**
 * The burst in queuesim: 100 messages 1 ms apart into a queue whose only consumer is down from
 * the start (a crash at 0 s that lasts until `duration`), so nothing is consumed during the
 * burst; the consumer comes back at 1 s and takes what the queue kept.
 */
function burstScenario(name: string, settings: Record<string, unknown>): Record<string, unknown> {
  return {
    name,
    seed: 1,
    duration: "1s",
    broker: { profile: "rabbitmq", settings: { version: "3.10", "x-max-length": MAX_LENGTH, ...settings } },
    producers: [{ name: "burst", arrival: { process: "constant", rate: "1000/s" }, limit: BURST }],
    consumers: [{ group: "late", processing: "1ms" }],
    faults: [{ at: 0, crash: "consumer", target: "late/1" }],
  };
}

/** Publishes the burst into a fresh queue with `args`, then takes every message it kept. */
async function burst(fixture: RabbitFixture, args: Record<string, unknown>, log: (line: string) => void) {
  const connection = await connectAmqp(fixture.server.url, { log });
  const channel: ConfirmChannel = await connection.createConfirmChannel();
  const queue = await declareFreshQueue(channel, "length-limit", { "x-max-length": MAX_LENGTH, ...args });
  const confirms = await publishWithConfirms(channel, queue, BURST);
  const kept = await drainQueue(channel, queue);
  log(`${queue}: acked ${confirms.acked.length}, nacked ${confirms.nacked.length}, kept ids ${kept.join(",")}`);
  await channel.deleteQueue(queue);
  await connection.close();
  return { confirms, kept };
}

export const classicDropHead: Experiment<RabbitFixture> = {
  id: "rabbitmq/classic-drop-head",
  title: "A full classic queue drops its oldest messages (drop-head) and still confirms every publish",
  behaviour: "length limit, x-overflow drop-head",
  description:
    "A classic durable queue declared with x-max-length 10 and no consumer receives a burst of 100 persistent " +
    "messages published with publisher confirms. Counted: publishes confirmed (basic.ack), messages the queue " +
    "still holds afterwards (taken with basic.get until empty), and messages dropped (confirmed but not kept). " +
    "The kept ones must be the newest ten.",
  async real(fixture, context) {
    const { confirms, kept } = await burst(fixture, {}, context.log);
    const newest = kept.every((id, i) => id === BURST - MAX_LENGTH + i);
    if (!newest) throw new Error(`drop-head kept ${kept.join(",")}, not the newest ${MAX_LENGTH}`);
    return { confirmed: confirms.acked.length, kept: kept.length, dropped: confirms.acked.length - kept.length };
  },
  scenario: () => burstScenario("rabbitmq-classic-drop-head", {}),
  simulated: (run: Run): Figures => ({
    confirmed: run.summary.messages.confirmed,
    kept: run.summary.messages.consumed,
    dropped: run.summary.messages.dropped,
  }),
  rules: { confirmed: { kind: "exact" }, kept: { kind: "exact" }, dropped: { kind: "exact" } },
};

export const classicRejectPublish: Experiment<RabbitFixture> = {
  id: "rabbitmq/classic-reject-publish",
  title: "A full classic queue with reject-publish nacks the publishes it cannot hold",
  behaviour: "length limit, x-overflow reject-publish",
  description:
    "The same burst of 100 confirmed persistent messages into a classic queue with x-max-length 10 and " +
    "x-overflow reject-publish, no consumer. Counted: publishes confirmed (basic.ack), publishes refused " +
    "(basic.nack) and messages kept. The kept ones must be the first ten.",
  async real(fixture, context) {
    const { confirms, kept } = await burst(fixture, { "x-overflow": "reject-publish" }, context.log);
    const oldest = kept.every((id, i) => id === i);
    if (!oldest) throw new Error(`reject-publish kept ${kept.join(",")}, not the first ${MAX_LENGTH}`);
    return { confirmed: confirms.acked.length, nacked: confirms.nacked.length, kept: kept.length };
  },
  scenario: () => burstScenario("rabbitmq-classic-reject-publish", { "x-overflow": "reject-publish" }),
  simulated: (run: Run): Figures => ({
    confirmed: run.summary.messages.confirmed,
    nacked: run.summary.messages.rejected,
    kept: run.summary.messages.consumed,
  }),
  rules: { confirmed: { kind: "exact" }, nacked: { kind: "exact" }, kept: { kind: "exact" } },
};
