/** A classic priority queue serves a backlog's high-priority messages first, one at a time with prefetch 1. */
import type { Run } from "../../src/index.js";
import { connectAmqp, declareFreshQueue, recordDeliveries } from "../lib/amqp.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { waitUntil } from "../lib/wait.js";
import type { RabbitFixture } from "./suite.js";

const LOW = 20;
const HIGH = 5;

export const priorityUnderPrefetch: Experiment<RabbitFixture> = {
  id: "rabbitmq/priority-under-prefetch",
  title: "With prefetch 1, a backlog's high-priority messages are delivered before every low-priority one",
  behaviour: "classic x-max-priority: highest level first, FIFO within a level",
  description:
    `A classic queue with x-max-priority 10 receives ${LOW} messages of priority 0, then ${HIGH} of priority 9, with ` +
    "no consumer. A consumer with prefetch 1 then takes them all. Counted: high-priority messages among the first " +
    `${HIGH} deliveries, and low-priority messages delivered in publish order (1 if so).`,
  async real(fixture) {
    const connection = await connectAmqp(fixture.server.url);
    const channel = await connection.createConfirmChannel();
    const queue = await declareFreshQueue(channel, "priority", { "x-max-priority": 10 });
    for (let id = 0; id < LOW + HIGH; id++) {
      channel.sendToQueue(queue, Buffer.from(String(id)), { persistent: true, priority: id < LOW ? 0 : 9 });
    }
    await channel.waitForConfirms();
    const deliveries = await recordDeliveries(await (await connectAmqp(fixture.server.url)).createChannel(), queue, {
      prefetch: 1,
    });
    await waitUntil("every delivery", () => deliveries.length >= LOW + HIGH);
    const ids = deliveries.map((d) => d.id);
    const lows = ids.filter((id) => id < LOW);
    return {
      highFirst: ids.slice(0, HIGH).filter((id) => id >= LOW).length,
      lowInOrder: lows.every((id, i) => id === i) ? 1 : 0,
    };
  },
  scenario: () => ({
    name: "rabbitmq-priority-under-prefetch",
    seed: 1,
    duration: "100ms",
    broker: { profile: "rabbitmq", settings: { version: "3.10", prefetch: 1, "x-max-priority": 10 } },
    producers: [
      { name: "low", arrival: { process: "constant", rate: "1000/s" }, limit: LOW },
      { name: "high", priority: 9, arrival: { process: "constant", rate: "1000/s" }, limit: HIGH },
    ],
    consumers: [{ group: "g", processing: "10ms" }],
    // The consumer starts at 100 ms, with the whole backlog queued; it takes 10 ms per message.
    faults: [{ at: 0, crash: "consumer", target: "g/1", restartAfter: "100ms" }],
    expect: { ordering: "per-producer" },
  }),
  simulated: (run: Run): Figures => {
    // Both producers publish 1 ms apart from 1 ms (queuesim's priority does not depend on who came first). Served
    // first, the five high ones are consumed by 150 ms, none more than 149 ms after its publish; in publish order,
    // interleaved with the low ones, the last would be consumed at 200 ms.
    const high = run.summary.latency.byPriority?.["9"];
    return {
      highFirst: high !== undefined && high.endToEnd.max <= 149.001 ? HIGH : 0,
      lowInOrder: run.summary.messages.outOfOrder === 0 ? 1 : 0,
    };
  },
  rules: { highFirst: { kind: "exact" }, lowInOrder: { kind: "exact" } },
};
