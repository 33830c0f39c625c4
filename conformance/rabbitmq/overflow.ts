/**
 * Length limits beyond drop-head and reject-publish: reject-publish-dlx on a classic queue (refuse and
 * dead-letter), and a quorum queue's reject-publish, checked against the applied Raft state, overshooting.
 */
import type { Run } from "../../src/index.js";
import { connectAmqp, declareFreshQueue, publishWithConfirms, readyCount } from "../lib/amqp.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { sleep, waitUntil } from "../lib/wait.js";
import type { RabbitFixture } from "./suite.js";

const MAX_LENGTH = 10;

export const classicRejectPublishDlx: Experiment<RabbitFixture> = {
  id: "rabbitmq/classic-reject-publish-dlx",
  title: "reject-publish-dlx nacks the publishes a full classic queue cannot hold and dead-letters them",
  behaviour: "length limit, x-overflow reject-publish-dlx",
  description:
    "A classic queue with x-max-length 10, x-overflow reject-publish-dlx and a dead-letter exchange (the default " +
    "exchange, routing to a dead-letter queue), no consumer, receives 100 confirmed persistent messages. Counted: " +
    "publishes confirmed, publishes refused (basic.nack), and messages in the dead-letter queue.",
  async real(fixture, context) {
    const connection = await connectAmqp(fixture.server.url);
    const channel = await connection.createConfirmChannel();
    const deadLetters = await declareFreshQueue(channel, "dead-letters");
    const queue = await declareFreshQueue(channel, "reject-dlx", {
      "x-max-length": MAX_LENGTH,
      "x-overflow": "reject-publish-dlx",
      "x-dead-letter-exchange": "",
      "x-dead-letter-routing-key": deadLetters,
    });
    const confirms = await publishWithConfirms(channel, queue, 100);
    // Dead-lettering is a publish of the queue's own, after the nack: wait for the count to settle.
    let previous = -1;
    const deadLettered = await waitUntil(
      "the dead-letter queue to settle",
      async () => {
        const count = await readyCount(channel, deadLetters);
        const settled = count === previous;
        previous = count;
        if (!settled) await sleep(200);
        return settled ? count : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 1 },
    );
    context.log(`nacked ${confirms.nacked.length}, dead-lettered ${deadLettered}`);
    return { confirmed: confirms.acked.length, nacked: confirms.nacked.length, deadLettered };
  },
  scenario: () => ({
    name: "rabbitmq-classic-reject-publish-dlx",
    seed: 1,
    duration: "1s",
    broker: {
      profile: "rabbitmq",
      settings: {
        version: "3.10",
        "x-max-length": MAX_LENGTH,
        "x-overflow": "reject-publish-dlx",
        "x-dead-letter-exchange": "dead-letters",
      },
    },
    producers: [{ name: "burst", arrival: { process: "constant", rate: "1000/s" }, limit: 100 }],
    consumers: [{ group: "late", processing: "1ms" }],
    faults: [{ at: 0, crash: "consumer", target: "late/1" }],
  }),
  simulated: (run: Run): Figures => ({
    confirmed: run.summary.messages.confirmed,
    nacked: run.summary.messages.rejected,
    deadLettered: run.summary.messages.deadLettered,
  }),
  rules: { confirmed: { kind: "exact" }, nacked: { kind: "exact" }, deadLettered: { kind: "exact" } },
};

const BURST = 1000;

export const quorumRejectPublishOvershoot: Experiment<RabbitFixture> = {
  id: "rabbitmq/quorum-reject-publish-overshoot",
  title: "A quorum queue with reject-publish accepts far more than x-max-length from a burst",
  behaviour: "quorum reject-publish checked against the applied Raft state",
  description:
    "A quorum queue with x-max-length 10 and x-overflow reject-publish, no consumer, receives 1,000 persistent " +
    "messages sent as fast as amqplib writes them, with publisher confirms. Counted: publishes confirmed (and so " +
    "kept) and publishes refused. The queue tells its publishers to stop only once a publish applied to its Raft " +
    "state takes it over the limit; what is already on the way is accepted.",
  async real(fixture) {
    const connection = await connectAmqp(fixture.server.url);
    const channel = await connection.createConfirmChannel();
    const queue = await declareFreshQueue(channel, "quorum-limit", {
      "x-queue-type": "quorum",
      "x-max-length": MAX_LENGTH,
      "x-overflow": "reject-publish",
    });
    const confirms = await publishWithConfirms(channel, queue, BURST);
    await channel.deleteQueue(queue);
    return { confirmed: confirms.acked.length };
  },
  scenario: () => ({
    name: "rabbitmq-quorum-reject-publish-overshoot",
    seed: 1,
    duration: "1s",
    broker: {
      profile: "rabbitmq-quorum",
      settings: { version: "3.10", "x-max-length": MAX_LENGTH, "x-overflow": "reject-publish" },
    },
    // amqplib writes 1,000 publishes in 7 to 40 ms on this machine: about 50,000/s.
    producers: [{ name: "burst", arrival: { process: "constant", rate: "50000/s" }, limit: BURST }],
    consumers: [{ group: "late", processing: "1ms" }],
    faults: [{ at: 0, crash: "consumer", target: "late/1" }],
  }),
  simulated: (run: Run): Figures => ({ confirmed: run.summary.messages.confirmed }),
  rules: {
    confirmed: {
      kind: "within",
      min: 114,
      max: 400,
      why: "how many publishes are on the way when the queue's reject_publish reaches the channel depends on the Raft write and the scheduling of three Erlang processes: repeated real runs accepted 114 to 400 of 1,000; the model's 5 ms delay at 50,000 publishes/s gives one figure in that range",
    },
  },
};
