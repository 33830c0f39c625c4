/** basic.qos: each consumer holds at most prefetch unacked deliveries; the rest stays ready in the queue. */
import type { Run } from "../../src/index.js";
import { connectAmqp, readyCount } from "../lib/amqp.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { sleep } from "../lib/wait.js";
import { queueWithBatch } from "./common.js";
import type { RabbitFixture } from "./suite.js";

const MESSAGES = 300;
const CONSUMERS = 2;

function prefetchWindow(prefetch: number): Experiment<RabbitFixture> {
  return {
    id: `rabbitmq/prefetch-window-${prefetch}`,
    title: `Prefetch ${prefetch}: each of two consumers holds ${prefetch} unacked deliveries, the rest stays ready`,
    behaviour: "prefetch (basic.qos) bounds unacked deliveries per consumer",
    description:
      `A queue holds ${MESSAGES} messages. Two consumers, each on its own connection with basic.qos ${prefetch}, ` +
      "consume with manual acks and ack nothing. After a second, counted: the deliveries each consumer holds (the " +
      "larger of the two) and the messages still ready.",
    async real(fixture) {
      const batch = await queueWithBatch(fixture, "prefetch", MESSAGES);
      const held: number[] = [];
      for (let consumer = 0; consumer < CONSUMERS; consumer++) {
        const channel = await (await connectAmqp(fixture.server.url)).createChannel();
        await channel.prefetch(prefetch);
        held[consumer] = 0;
        await channel.consume(batch.queue, () => {
          held[consumer]! += 1;
        });
      }
      await sleep(1000);
      return { unackedPerConsumer: Math.max(...held), ready: await readyCount(batch.channel, batch.queue) };
    },
    scenario: () => ({
      name: `rabbitmq-prefetch-window-${prefetch}`,
      seed: 1,
      duration: "1s",
      drainTimeout: "0s",
      broker: { profile: "rabbitmq", settings: { version: "3.10", prefetch } },
      producers: [{ name: "batch", arrival: { process: "constant", rate: "1000000/s" }, limit: MESSAGES }],
      consumers: [{ group: "g", instances: CONSUMERS, processing: "1h" }],
    }),
    simulated: (run: Run): Figures => ({
      unackedPerConsumer: run.summary.messages.deliveries / CONSUMERS,
      ready: MESSAGES - run.summary.messages.deliveries,
    }),
    rules: { unackedPerConsumer: { kind: "exact" }, ready: { kind: "exact" } },
  };
}

export const prefetchWindow1 = prefetchWindow(1);
export const prefetchWindow10 = prefetchWindow(10);
export const prefetchWindow100 = prefetchWindow(100);
