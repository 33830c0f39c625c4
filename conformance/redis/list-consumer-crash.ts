/** redis-list: a consumer killed while it holds a popped message loses exactly that message. */
import type { Run } from "../../src/index.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { uniqueName } from "../lib/names.js";
import { connectRedis } from "../lib/redis.js";
import { startWorker } from "../lib/worker.js";
import type { RedisFixture } from "./suite.js";

const MESSAGES = 20;
const PROCESSING_MS = 100;
/** The consumer dies holding its KILL_AT-th message. */
const KILL_AT = 5;

export const listConsumerCrash: Experiment<RedisFixture> = {
  id: "redis/list-consumer-crash",
  title: "A list consumer killed while processing loses the one message it had popped",
  behaviour: "consumer crash, redis-list (BRPOP): at-most-once",
  description:
    `${MESSAGES} messages are LPUSHed to a list. A consumer process BRPOPs them one at a time and processes ` +
    `each for ${PROCESSING_MS} ms; it is SIGKILLed as soon as it reports popping its ${KILL_AT}th message. A second ` +
    "consumer then drains the list. Counted: messages consumed (processed to the end), lost (never consumed) " +
    "and duplicated (consumed twice).",
  async real(fixture, context) {
    const key = uniqueName("list");
    const client = await connectRedis(fixture.server.port);
    for (let id = 0; id < MESSAGES; id++) await client.lpush(key, String(id));
    const worker = { port: fixture.server.port, key, processingMs: PROCESSING_MS };
    const first = await startWorker(context, "redis-list-consumer", worker);
    await first.killAfter("received", KILL_AT);
    const left = await client.llen(key);
    context.log(`killed after ${first.count("received")} pops, ${first.count("consumed")} consumed; ${left} left`);
    const second = await startWorker(context, "redis-list-consumer", worker);
    await second.waitFor("consumed", { count: left, timeoutMs: 10_000 + left * PROCESSING_MS });
    await second.stop();
    const consumed = [...first.all("consumed"), ...second.all("consumed")].map((m) => String(m.id));
    const distinct = new Set(consumed).size;
    return { consumed: consumed.length, lost: MESSAGES - distinct, duplicated: consumed.length - distinct };
  },
  scenario: () => ({
    name: "redis-list-consumer-crash",
    seed: 1,
    duration: "5s",
    broker: { profile: "redis-list" },
    producers: [{ name: "pusher", arrival: { process: "constant", rate: "1000/s" }, limit: MESSAGES }],
    consumers: [{ group: "workers", processing: `${PROCESSING_MS}ms` }],
    faults: [
      // Down while the messages arrive, so that it finds them all queued, as the real consumer does.
      { at: 0, crash: "consumer", target: "workers/1", restartAfter: "100ms" },
      // Halfway through its fifth message (popped at 500 ms); back 1 s later to drain the rest.
      { at: "550ms", crash: "consumer", target: "workers/1", restartAfter: "1s" },
    ],
  }),
  simulated: (run: Run): Figures => ({
    consumed: run.summary.messages.consumed,
    lost: run.summary.messages.lost,
    duplicated: run.summary.messages.duplicated,
  }),
  rules: { consumed: { kind: "exact" }, lost: { kind: "exact" }, duplicated: { kind: "exact" } },
};
