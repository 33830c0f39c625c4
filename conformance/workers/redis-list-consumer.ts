/**
 * A redis-list consumer: BRPOP one message at a time, "process" it for processingMs, then take
 * the next. The ack is a no-op, so what it holds when it dies is gone. Reports
 * {type: "received", id} on each pop and {type: "consumed", id} when processed.
 */
import { Redis } from "ioredis";
import { fail, handleStop, report, sleep, workerOptions } from "./protocol.js";

interface Options {
  port: number;
  key: string;
  processingMs: number;
}

const options = workerOptions<Options>();
const client = new Redis({ host: "127.0.0.1", port: options.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
// A lost connection fails the pending command, which ends the worker with an "error" report.
client.on("error", (error: Error) => console.error(`redis connection: ${error.message}`));
let done: Promise<void> = Promise.resolve();
const stopping = handleStop(() => done);

async function consume(): Promise<void> {
  while (!stopping()) {
    // A short block so that a stop is noticed; an item popped meanwhile is still processed.
    const popped = await client.brpop(options.key, 0.2);
    if (popped === null) continue;
    const id = popped[1];
    report({ type: "received", id, redelivered: false });
    await sleep(options.processingMs);
    report({ type: "consumed", id });
  }
}

client.ping().then(() => {
  report({ type: "ready" });
  done = consume().catch(fail);
}, fail);
