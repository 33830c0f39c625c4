/**
 * Redis helpers for experiments: a client that never retries behind our back, and the few
 * stream reads experiments need, typed.
 */
import { Redis } from "ioredis";
import { defer } from "./scope.js";

/**
 * A client for 127.0.0.1:`port`, connected. It does not reconnect or queue commands while
 * disconnected: an experiment must see a dead server as an error, not as a silent retry.
 * Closed at the end of the experiment if the experiment has not closed it.
 */
export async function connectRedis(port: number): Promise<Redis> {
  const client = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    // disconnect() half-closes and keeps a timer (2 s by default) that would hold the run open.
    disconnectTimeout: 100,
  });
  client.on("error", () => {}); // errors reach the command that failed; an unhandled "error" event would crash the run
  await client.connect();
  defer(() => client.disconnect());
  return client;
}

/** One entry of a stream: its ID and its fields as a record. */
export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

/** XPENDING's extended form: one row per pending entry. */
export interface PendingEntry {
  id: string;
  consumer: string;
  idleMs: number;
  deliveries: number;
}

/** Every pending entry of `group` (XPENDING key group - + count). */
export async function pendingEntries(
  client: Redis,
  stream: string,
  group: string,
  count = 10_000,
): Promise<PendingEntry[]> {
  const rows = (await client.call("XPENDING", stream, group, "-", "+", count)) as [string, string, number, number][];
  return rows.map(([id, consumer, idleMs, deliveries]) => ({ id, consumer, idleMs, deliveries }));
}

/** Turns Redis's flat [field, value, field, value, ...] into a record. */
export function fieldRecord(flat: readonly string[] | null): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; flat !== null && i + 1 < flat.length; i += 2) record[flat[i]!] = flat[i + 1]!;
  return record;
}
