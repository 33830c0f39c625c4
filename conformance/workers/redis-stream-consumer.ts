/**
 * A redis-streams consumer in a consumer group, as applications write it: optionally
 * XAUTOCLAIM idle pending entries first (the recovery Redis leaves to the application), then
 * XREADGROUP new entries (`>`); process each for processingMs and XACK it. Reports
 * {type: "received", id, entry, redelivered, deliveries} for each entry a command returned (claimed
 * ones are redelivered; `deliveries` is the PEL's delivery counter) and {type: "consumed", id, entry}
 * once it is XACKed.
 * The message id is the entry's field "id".
 */
import { Redis } from "ioredis";
import { fieldRecord, pendingEntries } from "../lib/redis.js";
import { fail, handleStop, report, sleep, workerOptions } from "./protocol.js";

interface Options {
  port: number;
  stream: string;
  group: string;
  consumer: string;
  processingMs: number;
  /** XREADGROUP COUNT; null = every new entry. */
  count: number | null;
  /** Read new entries with XREADGROUP (default true). */
  read?: boolean;
  /** Run XAUTOCLAIM with this min-idle-time before each read; undefined = never claim. */
  claimMinIdleMs?: number;
}

type Entries = [id: string, fields: string[] | null][];
/** Entries as delivered: stream entry ID, message id (field "id") and delivery counter. */
type Batch = { entry: string; id: string; deliveries: number }[];

const options = workerOptions<Options>();
const client = new Redis({ host: "127.0.0.1", port: options.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
// A lost connection fails the pending command, which ends the worker with an "error" report.
client.on("error", (error: Error) => console.error(`redis connection: ${error.message}`));
let done: Promise<void> = Promise.resolve();
const stopping = handleStop(() => done);

async function consume(): Promise<void> {
  while (!stopping()) {
    const claimed = options.claimMinIdleMs === undefined ? [] : await claim(options.claimMinIdleMs);
    await processAll(claimed, true);
    const fresh = options.read === false ? [] : await readNew();
    await processAll(fresh, false);
    if (claimed.length === 0 && fresh.length === 0 && options.read === false) await sleep(50);
  }
}

/** XAUTOCLAIM idle entries; returns them with their delivery counters (XPENDING, before any is acked). */
async function claim(minIdleMs: number): Promise<Batch> {
  const { stream, group, consumer } = options;
  const reply = (await client.call("XAUTOCLAIM", stream, group, consumer, minIdleMs, "0-0", "COUNT", 100)) as [
    string,
    Entries,
    string[],
  ];
  if (reply[1].length === 0) return [];
  const counters = new Map((await pendingEntries(client, stream, group)).map((p) => [p.id, p.deliveries]));
  return reply[1].map(([entry, flat]) => ({ entry, id: messageId(entry, flat), deliveries: counters.get(entry) ?? 0 }));
}

async function readNew(): Promise<Batch> {
  const { stream, group, consumer, count } = options;
  const countArgs = count === null ? [] : ["COUNT", count];
  // A short block so that a stop is noticed.
  const reply = (await client.call(
    "XREADGROUP",
    "GROUP",
    group,
    consumer,
    ...countArgs,
    "BLOCK",
    200,
    "STREAMS",
    stream,
    ">",
  )) as [string, Entries][] | null;
  return (reply?.[0]?.[1] ?? []).map(([entry, flat]) => ({ entry, id: messageId(entry, flat), deliveries: 1 }));
}

function messageId(entry: string, flat: string[] | null): string {
  return fieldRecord(flat).id ?? entry;
}

/** Reports every entry of a batch as received (the reply holds them all), then processes them in order. */
async function processAll(batch: Batch, redelivered: boolean): Promise<void> {
  if (batch.length > 0) report({ type: redelivered ? "claimed" : "read", count: batch.length });
  for (const { entry, id, deliveries } of batch) report({ type: "received", id, entry, redelivered, deliveries });
  for (const { entry, id } of batch) {
    await sleep(options.processingMs);
    await client.xack(options.stream, options.group, entry);
    report({ type: "consumed", id, entry });
  }
}

client.ping().then(() => {
  report({ type: "ready" });
  done = consume().catch(fail);
}, fail);
