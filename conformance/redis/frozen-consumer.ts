/**
 * A frozen consumer's blocked BRPOP is still served: Redis does not know the process stopped, pops
 * the next message into its socket, and the message is gone when the process is killed.
 */
import type { Run } from "../../src/index.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { connectRedis } from "../lib/redis.js";
import { sleep } from "../lib/wait.js";
import { startWorker } from "../lib/worker.js";
import type { RedisFixture } from "./suite.js";

const MESSAGES = 5;

export const listConsumerFrozen: Experiment<RedisFixture> = {
  id: "redis/list-consumer-frozen",
  title: "A frozen list consumer's blocked BRPOP still pops the next message, which its kill then loses",
  behaviour: "consumer crash (hang), redis-list: a silent connection's blocked read is served",
  description:
    "A list consumer process blocks in BRPOP on an empty list and is SIGSTOPped; one message is LPUSHed at " +
    "once, and four more 300 ms later. The frozen process is SIGKILLed (as a liveness probe would) and a " +
    "new consumer drains the list. Counted: messages the frozen consumer popped (the list's length did not " +
    "grow), consumed, lost.",
  async real(fixture, context) {
    const server = await fixture.start(context.dir);
    const client = await connectRedis(server.port);
    const worker = { port: server.port, key: "queue", processingMs: 1 };
    const frozen = await startWorker(context, "redis-list-consumer", worker);
    await sleep(100);
    frozen.pause();
    // Its BRPOP blocks for 200 ms at a time: push within that window, while Redis still holds it.
    await client.lpush("queue", "0");
    await sleep(300);
    for (let id = 1; id < MESSAGES; id++) await client.lpush("queue", String(id));
    const queued = await client.llen("queue");
    await frozen.kill();
    const next = await startWorker(context, "redis-list-consumer", worker);
    await next.waitFor("consumed", { count: queued, timeoutMs: 10_000 });
    await next.stop();
    const consumed = new Set([...frozen.all("consumed"), ...next.all("consumed")].map((m) => String(m.id))).size;
    return { poppedByFrozen: MESSAGES - queued, consumed, lost: MESSAGES - consumed };
  },
  scenario: () => ({
    name: "redis-list-consumer-frozen",
    seed: 1,
    duration: "2s",
    broker: { profile: "redis-list" },
    producers: [{ name: "pusher", arrival: { process: "constant", rate: "10/s" }, limit: MESSAGES }],
    consumers: [{ group: "workers", processing: "1ms" }],
    faults: [{ at: "50ms", crash: "consumer", target: "workers", mode: "hang", restartAfter: "950ms" }],
  }),
  simulated: (run: Run): Figures => ({
    poppedByFrozen: run.summary.messages.lost,
    consumed: run.summary.messages.consumed,
    lost: run.summary.messages.lost,
  }),
  rules: { poppedByFrozen: { kind: "exact" }, consumed: { kind: "exact" }, lost: { kind: "exact" } },
};
