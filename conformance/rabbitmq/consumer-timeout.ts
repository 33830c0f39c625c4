/** consumer_timeout: a delivery left unacked too long gets its channel closed and is requeued. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Run } from "../../src/index.js";
import { connectAmqp, declareFreshQueue, publishWithConfirms } from "../lib/amqp.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { waitUntil } from "../lib/wait.js";
import { standbyConsumer } from "./common.js";
import type { RabbitFixture } from "./suite.js";

const TIMEOUT_MS = 5000;
const TICK_MS = 1000;

export const consumerTimeout: Experiment<RabbitFixture> = {
  id: "rabbitmq/consumer-timeout",
  title: "consumer_timeout 5 s: an unacked delivery closes its channel at the first channel tick after 5 s",
  behaviour: "consumer_timeout closes the channel and requeues",
  description:
    "A node of its own runs with consumer_timeout = 5000 (rabbitmq.conf; 3.10 takes any positive value) and " +
    "channel_tick_interval 1000 (advanced.config; 60 s by default). A consumer (prefetch 1) receives one message " +
    "and never acks it; a second consumer waits. Counted: the time from the delivery to the channel's closing " +
    "(PRECONDITION_FAILED), and messages redelivered to the second consumer.",
  async real(fixture, context) {
    // startRabbitMq points the node at <dir>/node/advanced.config; it writes no such file itself.
    mkdirSync(join(context.dir, "node"), { recursive: true });
    writeFileSync(join(context.dir, "node", "advanced.config"), `[{rabbit, [{channel_tick_interval, ${TICK_MS}}]}].\n`);
    const server = await fixture.start(context.dir, { consumer_timeout: TIMEOUT_MS });
    try {
      const own = { ...fixture, server };
      const connection = await connectAmqp(server.url);
      const publisher = await connection.createConfirmChannel();
      const queue = await declareFreshQueue(publisher, "timeout");
      await publishWithConfirms(publisher, queue, 1);
      const slow = await (await connectAmqp(server.url)).createChannel();
      slow.on("error", () => {}); // the broker closes it on purpose
      let deliveredAt = 0;
      let closedAt = 0;
      slow.on("close", () => {
        closedAt = Date.now();
      });
      await slow.prefetch(1);
      await slow.consume(queue, () => {
        deliveredAt = Date.now();
      });
      await waitUntil("the delivery", () => deliveredAt > 0);
      const standby = await standbyConsumer(own, queue);
      await waitUntil("the channel to close", () => closedAt > 0, { timeoutMs: 20_000 });
      await waitUntil("the redelivery", () => standby.length > 0);
      return { closedAfterMs: closedAt - deliveredAt, redelivered: standby.filter((d) => d.redelivered).length };
    } finally {
      await server.stop();
    }
  },
  scenario: () => ({
    name: "rabbitmq-consumer-timeout",
    seed: 1,
    duration: "1s",
    drainTimeout: "1min",
    broker: {
      profile: "rabbitmq",
      settings: {
        version: "3.10",
        prefetch: 1,
        consumer_timeout: `${TIMEOUT_MS}ms`,
        channel_tick_interval: `${TICK_MS}ms`,
      },
    },
    producers: [{ name: "one", arrival: { process: "constant", rate: "10/s" }, limit: 1 }],
    // g/1 is a million times slower than 1 ms (it never acks in time); g/2 comes up at 200 ms, after g/1 has the message.
    consumers: [{ group: "g", instances: 2, processing: "1ms" }],
    faults: [
      { at: 0, for: "1h", slow: { target: "g/1", factor: 1_000_000 } },
      { at: 0, crash: "consumer", target: "g/2", restartAfter: "200ms" },
    ],
  }),
  simulated: (run: Run): Figures => ({
    // Published and delivered at 100 ms; the first tick at which it is more than 5 s old is at 6 s, when g/2 gets
    // it and takes 1 ms: its end-to-end latency is the time to the close plus 1 ms.
    closedAfterMs: run.summary.latency.endToEnd.max - 1,
    redelivered: run.summary.messages.redeliveries,
  }),
  rules: {
    closedAfterMs: {
      kind: "within",
      min: TIMEOUT_MS,
      max: TIMEOUT_MS + TICK_MS,
      why: "the channel checks on its ticks, every second from its opening: the close comes at the first tick after the delivery is 5 s old, so between 5 and 6 s after it, depending on where the delivery fell between ticks",
    },
    redelivered: { kind: "exact" },
  },
  timeoutMs: 90_000,
};
