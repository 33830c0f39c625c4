/**
 * Consumer crashes Redis does not notice: a reliable-list consumer's item stays in its
 * processing list, and a stream entry claimed by a consumer that dies too is claimed again,
 * its delivery counter going up each time.
 */
import type { Run } from "../../src/index.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { connectRedis } from "../lib/redis.js";
import { startWorker } from "../lib/worker.js";
import type { RedisFixture } from "./suite.js";

const MESSAGES = 10;
const PROCESSING_MS = 200;

export const reliableListConsumerKill: Experiment<RedisFixture> = {
  id: "redis/reliable-list-consumer-kill",
  title: "A reliable-list consumer killed mid-message leaves it in its processing list",
  behaviour: "consumer crash, redis-reliable-list (BLMOVE + LREM)",
  description:
    `${MESSAGES} messages are LPUSHed. Consumer a BLMOVEs one at a time into its processing list, processes ` +
    `each for ${PROCESSING_MS} ms and LREMs it; it is SIGKILLed as soon as it reports its third BLMOVE. ` +
    "Consumer b, with its own processing list, then drains the queue. No reaper runs. Counted: messages " +
    "consumed, duplicated, and messages left in a processing list (a's).",
  async real(fixture, context) {
    const server = await fixture.start(context.dir);
    const client = await connectRedis(server.port);
    for (let id = 0; id < MESSAGES; id++) await client.lpush("queue", String(id));
    const common = { port: server.port, key: "queue", processingMs: PROCESSING_MS, retryMs: 1000 };
    const a = await startWorker(context, "redis-reliable-consumer", { ...common, processingKey: "processing:a" });
    await a.killAfter("received", 3);
    const left = await client.llen("queue");
    const b = await startWorker(context, "redis-reliable-consumer", { ...common, processingKey: "processing:b" });
    await b.waitFor("consumed", { count: left, timeoutMs: 10_000 + left * PROCESSING_MS });
    await b.stop();
    const consumed = [...a.all("consumed"), ...b.all("consumed")].map((m) => String(m.id));
    return {
      consumed: new Set(consumed).size,
      duplicated: consumed.length - new Set(consumed).size,
      inProcessingList: (await client.llen("processing:a")) + (await client.llen("processing:b")),
    };
  },
  scenario: () => ({
    name: "redis-reliable-list-consumer-kill",
    seed: 1,
    duration: "3s",
    drainTimeout: "1s",
    // A visibility timeout longer than the run: no reaper, as in the real experiment.
    broker: { profile: "redis-reliable-list", settings: { visibilityTimeout: "1h" } },
    producers: [{ name: "pusher", arrival: { process: "constant", rate: "1000/s" }, limit: MESSAGES }],
    consumers: [{ group: "workers", instances: 2, processing: `${PROCESSING_MS}ms` }],
    faults: [
      { at: 0, crash: "consumer", target: "workers/1", restartAfter: "100ms" },
      { at: 0, crash: "consumer", target: "workers/2", restartAfter: "1s" },
      // a takes its third message at 500 ms.
      { at: "550ms", crash: "consumer", target: "workers/1" },
    ],
  }),
  simulated: (run: Run): Figures => ({
    consumed: run.summary.messages.consumed,
    duplicated: run.summary.messages.duplicated,
    inProcessingList: run.summary.messages.pending,
  }),
  rules: { consumed: { kind: "exact" }, duplicated: { kind: "exact" }, inProcessingList: { kind: "exact" } },
};

const ENTRIES = 5;
const MIN_IDLE_MS = 1000;

export const streamsClaimedTwice: Experiment<RedisFixture> = {
  id: "redis/streams-claimed-twice",
  title: "An entry claimed by a consumer that dies too is claimed again with delivery counter 3",
  behaviour: "consumer crash, redis-streams XAUTOCLAIM delivery counters",
  description:
    `${ENTRIES} entries are XADDed. Consumer a reads them all with one XREADGROUP and is SIGKILLed after ` +
    `XACKing one (${PROCESSING_MS} ms each). Consumer b XAUTOCLAIMs entries idle ${MIN_IDLE_MS} ms, and is ` +
    "SIGKILLed after XACKing one of them; consumer c claims the rest and drains. Counted: redeliveries " +
    "(claimed entries), the highest delivery counter seen, consumed, lost, duplicated.",
  async real(fixture, context) {
    const server = await fixture.start(context.dir);
    const client = await connectRedis(server.port);
    await client.call("XGROUP", "CREATE", "stream", "workers", "$", "MKSTREAM");
    for (let id = 0; id < ENTRIES; id++) await client.xadd("stream", "*", "id", String(id));
    const common = { port: server.port, stream: "stream", group: "workers", processingMs: PROCESSING_MS, count: null };
    const claiming = { ...common, claimMinIdleMs: MIN_IDLE_MS };
    const a = await startWorker(context, "redis-stream-consumer", { ...common, consumer: "a" });
    await a.killAfter("consumed", 1);
    const b = await startWorker(context, "redis-stream-consumer", { ...claiming, consumer: "b" });
    await b.waitFor("received", { timeoutMs: 10_000 });
    await b.killAfter("consumed", 1);
    const c = await startWorker(context, "redis-stream-consumer", { ...claiming, consumer: "c" });
    await c.waitFor("consumed", { count: ENTRIES - 2, timeoutMs: 10_000 });
    await c.stop();
    const received = [...a.all("received"), ...b.all("received"), ...c.all("received")];
    const consumed = [...a.all("consumed"), ...b.all("consumed"), ...c.all("consumed")].map((m) => String(m.id));
    const distinct = new Set(consumed).size;
    return {
      redelivered: received.filter((m) => m.redelivered === true).length,
      highestCounter: Math.max(...received.map((m) => Number(m.deliveries))),
      consumed: distinct,
      lost: ENTRIES - distinct,
      duplicated: consumed.length - distinct,
    };
  },
  scenario: () => ({
    name: "redis-streams-claimed-twice",
    seed: 1,
    duration: "4s",
    broker: {
      profile: "redis-streams",
      settings: { claimInterval: "100ms", "min-idle-time": `${MIN_IDLE_MS}ms` },
    },
    producers: [{ name: "adder", arrival: { process: "constant", rate: "1000/s" }, limit: ENTRIES }],
    consumers: [{ group: "workers", instances: 3, processing: `${PROCESSING_MS}ms` }],
    faults: [
      // a reads all five at 100 ms, acks one at 300 ms and dies processing the second.
      { at: 0, crash: "consumer", target: "workers/1", restartAfter: "100ms" },
      { at: "350ms", crash: "consumer", target: "workers/1" },
      // b claims the four at 1.2 s (idle 1.1 s), acks one at 1.4 s and dies.
      { at: 0, crash: "consumer", target: "workers/2", restartAfter: "1150ms" },
      { at: "1450ms", crash: "consumer", target: "workers/2" },
      // c claims the last three (counter 3) at 2.6 s, idle 1.4 s; it is done before any is idle 1 s again.
      { at: 0, crash: "consumer", target: "workers/3", restartAfter: "2550ms" },
    ],
  }),
  simulated: (run: Run): Figures => {
    const m = run.summary.messages;
    return {
      redelivered: m.redeliveries,
      highestCounter: run.result.brokerFigures?.highest_delivery_count ?? Number.NaN,
      consumed: m.consumed,
      lost: m.lost,
      duplicated: m.duplicated,
    };
  },
  rules: {
    redelivered: { kind: "exact" },
    highestCounter: { kind: "exact" },
    consumed: { kind: "exact" },
    lost: { kind: "exact" },
    duplicated: { kind: "exact" },
  },
};
