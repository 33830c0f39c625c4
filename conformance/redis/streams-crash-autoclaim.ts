/**
 * redis-streams: a consumer killed mid-batch leaves its unacknowledged entries pending; another
 * consumer's XAUTOCLAIM redelivers them with delivery counter 2.
 */
import type { Run } from "../../src/index.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { uniqueName } from "../lib/names.js";
import { connectRedis, pendingEntries } from "../lib/redis.js";
import { startWorker } from "../lib/worker.js";
import type { RedisFixture } from "./suite.js";

const ENTRIES = 10;
const PROCESSING_MS = 100;
/** The first consumer dies after acking this many, while processing the next. */
const ACKED_BEFORE_KILL = 3;
const MIN_IDLE_MS = 1000;

export const streamsCrashAutoclaim: Experiment<RedisFixture> = {
  id: "redis/streams-crash-autoclaim",
  title: "A stream consumer killed mid-batch leaves its entries pending; XAUTOCLAIM redelivers each once",
  behaviour: "consumer crash, redis-streams PEL and XAUTOCLAIM recovery",
  description:
    `${ENTRIES} entries are XADDed to a stream whose consumer group exists. Consumer a reads them all with one ` +
    `XREADGROUP, processes each for ${PROCESSING_MS} ms and XACKs it; it is SIGKILLed right after ` +
    `XACKing ${ACKED_BEFORE_KILL} of them. Consumer b then runs XAUTOCLAIM with min-idle-time ${MIN_IDLE_MS} ms and ` +
    "processes what it claims. Counted: entries left pending by the crash (XPENDING), deliveries, " +
    "redeliveries (claimed entries whose delivery counter is 2), consumed, lost, duplicated, and entries " +
    "still pending at the end.",
  async real(fixture, context) {
    const port = fixture.server.port;
    const stream = uniqueName("stream");
    const group = "workers";
    const client = await connectRedis(port);
    await client.call("XGROUP", "CREATE", stream, group, "$", "MKSTREAM");
    for (let id = 0; id < ENTRIES; id++) await client.xadd(stream, "*", "id", String(id));
    const common = { port, stream, group, processingMs: PROCESSING_MS, count: null };
    const a = await startWorker(context, "redis-stream-consumer", { ...common, consumer: "a" });
    await a.killAfter("consumed", ACKED_BEFORE_KILL);
    const pendingAfterCrash = (await pendingEntries(client, stream, group)).length;
    context.log(`a killed after ${a.count("consumed")} acks; ${pendingAfterCrash} pending`);
    const b = await startWorker(context, "redis-stream-consumer", {
      ...common,
      consumer: "b",
      claimMinIdleMs: MIN_IDLE_MS,
    });
    await b.waitFor("consumed", { count: pendingAfterCrash, timeoutMs: 10_000 + MIN_IDLE_MS });
    await b.stop();
    const received = [...a.all("received"), ...b.all("received")];
    const consumed = [...a.all("consumed"), ...b.all("consumed")].map((m) => String(m.id));
    const distinct = new Set(consumed).size;
    return {
      pendingAfterCrash,
      deliveries: received.length,
      redelivered: received.filter((m) => m.redelivered === true && m.deliveries === 2).length,
      consumed: distinct,
      lost: ENTRIES - distinct,
      duplicated: consumed.length - distinct,
      pendingAtEnd: (await pendingEntries(client, stream, group)).length,
    };
  },
  scenario: () => ({
    name: "redis-streams-crash-autoclaim",
    seed: 1,
    duration: "5s",
    broker: {
      profile: "redis-streams",
      settings: { claimInterval: "100ms", "min-idle-time": `${MIN_IDLE_MS}ms` },
    },
    producers: [{ name: "adder", arrival: { process: "constant", rate: "1000/s" }, limit: ENTRIES }],
    consumers: [{ group: "workers", instances: 2, processing: `${PROCESSING_MS}ms` }],
    faults: [
      // a (workers/1) starts after the entries are in, and reads all ten at once, as the real one does.
      { at: 0, crash: "consumer", target: "workers/1", restartAfter: "100ms" },
      // b (workers/2) comes only after a's crash, to claim.
      { at: 0, crash: "consumer", target: "workers/2", restartAfter: "1500ms" },
      // a acks at 200, 300 and 400 ms and dies processing the fourth entry.
      { at: "450ms", crash: "consumer", target: "workers/1" },
    ],
  }),
  simulated: (run: Run): Figures => {
    const crash = run.summary.faults.find(
      (f) => f.kind === "consumer-crash" && f.target === "workers/1" && f.startMs === 450,
    );
    const m = run.summary.messages;
    return {
      pendingAfterCrash: crash?.effects.deliveriesHeld ?? Number.NaN,
      deliveries: m.deliveries,
      redelivered: m.redeliveries,
      consumed: m.consumed,
      lost: m.lost,
      duplicated: m.duplicated,
      pendingAtEnd: m.pending,
    };
  },
  rules: {
    pendingAfterCrash: { kind: "exact" },
    deliveries: { kind: "exact" },
    redelivered: { kind: "exact" },
    consumed: { kind: "exact" },
    lost: { kind: "exact" },
    duplicated: { kind: "exact" },
    pendingAtEnd: { kind: "exact" },
  },
};
