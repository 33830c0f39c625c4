/**
 * maxmemory under noeviction counts used_memory, not message bytes: the empty server's ~1 MB,
 * each list element's share of an 8 KB quicklist node, each stream entry's share of a 4 KB
 * macro node. And BLMOVE is denyoom: over the limit a reliable-list consumer cannot even start
 * draining.
 */
import type { Run } from "../../src/index.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { connectRedis } from "../lib/redis.js";
import { sleep } from "../lib/wait.js";
import { startWorker } from "../lib/worker.js";
import { payload } from "./common.js";
import type { RedisFixture } from "./suite.js";

const WHY_BASELINE =
  "used_memory of the empty server moves with its clients' query and reply buffers (20-40 KB each) and allocator state: a few dozen 1 KB elements either way";

/** Writes 1,000-byte values until Redis answers OOM; returns how many it took. */
async function fillUntilOom(write: () => Promise<unknown>, limit = 100_000): Promise<number> {
  for (let accepted = 0; accepted < limit; accepted++) {
    try {
      await write();
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("OOM")) return accepted;
      throw error;
    }
  }
  throw new Error(`no OOM after ${limit} writes`);
}

/** 1,000-byte messages faster than any limit is reached, nobody reading. */
function fillScenario(name: string, profile: string, settings: Record<string, unknown>) {
  return {
    name,
    seed: 1,
    duration: "2s",
    drainTimeout: "1s",
    broker: { profile, serviceTime: 0, settings: { maxmemory: "10mb", ...settings } },
    producers: [{ name: "writer", arrival: { process: "constant", rate: "20000/s" }, size: "1000B" }],
    consumers: [{ group: "readers", processing: "0ms" }],
    faults: [{ at: 0, crash: "consumer", target: "readers" }],
  };
}

export const maxmemoryListAccepted: Experiment<RedisFixture> = {
  id: "redis/maxmemory-list-accepted",
  title: "maxmemory 10mb takes 9.2k 1,000-byte LPUSHes, not 10.5k",
  behaviour: "overload (memory), noeviction: used_memory with baseline and quicklist overhead",
  description:
    "A fresh redis-server with maxmemory 10mb and maxmemory-policy noeviction; one client LPUSHes 1,000-byte " +
    "values to one list until Redis answers OOM. Counted: the LPUSHes accepted.",
  async real(fixture, context) {
    const server = await fixture.start(context.dir, { maxmemory: "10mb" });
    const client = await connectRedis(server.port);
    const value = payload(0);
    return { accepted: await fillUntilOom(() => client.lpush("queue", value)) };
  },
  scenario: () => fillScenario("redis-maxmemory-list", "redis-list", {}),
  simulated: (run: Run): Figures => ({ accepted: run.summary.messages.confirmed }),
  rules: { accepted: { kind: "band", absolute: 40, why: WHY_BASELINE } },
};

export const maxmemoryStreamAccepted: Experiment<RedisFixture> = {
  id: "redis/maxmemory-stream-accepted",
  title: "maxmemory 10mb takes 9.1k 1,000-byte XADDs: four to a 4 KB macro node",
  behaviour: "overload (memory), noeviction: stream macro nodes",
  description:
    "A fresh redis-server with maxmemory 10mb; one client XADDs entries with one field, m, holding 1,000 bytes, " +
    "until Redis answers OOM. Counted: the XADDs accepted.",
  async real(fixture, context) {
    const server = await fixture.start(context.dir, { maxmemory: "10mb" });
    const client = await connectRedis(server.port);
    const value = payload(0);
    return { accepted: await fillUntilOom(() => client.xadd("stream", "*", "m", value)) };
  },
  scenario: () => fillScenario("redis-maxmemory-stream", "redis-streams", {}),
  simulated: (run: Run): Figures => ({ accepted: run.summary.messages.confirmed }),
  rules: { accepted: { kind: "band", absolute: 40, why: WHY_BASELINE } },
};

const RETRY_MS = 1000;
const WATCH_MS = 3000;

export const blmoveRefusedOom: Experiment<RedisFixture> = {
  id: "redis/blmove-refused-oom",
  title: "Over maxmemory, BLMOVE is refused (denyoom): a reliable-list consumer drains nothing",
  behaviour: "overload (memory), redis-reliable-list: BLMOVE denyoom deadlock",
  description:
    "A fresh redis-server with maxmemory 2mb, noeviction. One client LPUSHes 1,000-byte values until OOM. " +
    `Then a reliable-list consumer process starts: BLMOVE into its processing list, LREM when done, and on an ` +
    `error it waits ${RETRY_MS} ms and tries again (as Sidekiq does). It runs for ${WATCH_MS / 1000} s. ` +
    "Counted: messages it consumed, and messages still queued.",
  async real(fixture, context) {
    const server = await fixture.start(context.dir, { maxmemory: "2mb" });
    const client = await connectRedis(server.port);
    const value = payload(0);
    const accepted = await fillUntilOom(() => client.lpush("queue", value));
    const worker = await startWorker(context, "redis-reliable-consumer", {
      port: server.port,
      key: "queue",
      processingKey: "processing",
      processingMs: 1,
      retryMs: RETRY_MS,
    });
    await sleep(WATCH_MS);
    await worker.stop();
    context.log(`${accepted} accepted, ${worker.count("refused")} BLMOVEs refused`);
    return { consumed: worker.count("consumed"), stillQueued: await client.llen("queue") };
  },
  scenario: () => ({
    name: "redis-blmove-refused-oom",
    seed: 1,
    duration: "1s",
    drainTimeout: `${WATCH_MS}ms`,
    broker: {
      profile: "redis-reliable-list",
      serviceTime: 0,
      settings: { maxmemory: "2mb", fetchRetryDelay: `${RETRY_MS}ms` },
    },
    producers: [{ name: "writer", arrival: { process: "constant", rate: "20000/s" }, size: "1000B" }],
    consumers: [{ group: "readers", processing: "1ms" }],
    // The consumer starts once the list is full, as the real one does.
    faults: [{ at: 0, crash: "consumer", target: "readers", restartAfter: "500ms" }],
  }),
  simulated: (run: Run): Figures => ({
    consumed: run.summary.messages.consumed,
    stillQueued: run.summary.messages.pending,
  }),
  rules: {
    consumed: { kind: "exact" },
    stillQueued: { kind: "band", absolute: 40, why: WHY_BASELINE },
  },
};
