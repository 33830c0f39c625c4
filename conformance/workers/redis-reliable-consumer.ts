/**
 * A redis-reliable-list consumer: BLMOVE from the queue into its own processing list, "process"
 * for processingMs, LREM it from the processing list (the ack). A failed BLMOVE (OOM over
 * maxmemory: BLMOVE is denyoom) is retried after retryMs, as Sidekiq's fetcher does.
 * Reports {type: "received", id}, {type: "consumed", id} and {type: "refused", error}.
 */
import { Redis } from "ioredis";
import { fail, handleStop, report, sleep, workerOptions } from "./protocol.js";

interface Options {
  port: number;
  key: string;
  processingKey: string;
  processingMs: number;
  retryMs: number;
}

const options = workerOptions<Options>();
const client = new Redis({ host: "127.0.0.1", port: options.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
client.on("error", (error: Error) => console.error(`redis connection: ${error.message}`));
let done: Promise<void> = Promise.resolve();
const stopping = handleStop(() => done);

/** BLMOVE with a short block so that a stop is noticed; null when nothing came or Redis refused. */
async function fetchOne(): Promise<string | null> {
  try {
    return await client.blmove(options.key, options.processingKey, "RIGHT", "LEFT", 0.2);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!message.startsWith("OOM")) throw error;
    report({ type: "refused", error: message });
    await sleep(options.retryMs);
    return null;
  }
}

async function consume(): Promise<void> {
  while (!stopping()) {
    const id = await fetchOne();
    if (id === null) continue;
    report({ type: "received", id, redelivered: false });
    await sleep(options.processingMs);
    await client.lrem(options.processingKey, 1, id);
    report({ type: "consumed", id });
  }
}

client.ping().then(() => {
  report({ type: "ready" });
  done = consume().catch(fail);
}, fail);
