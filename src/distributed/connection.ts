/**
 * Connections to Redis. Before a command enqueues anything it checks that Redis answers, with a deadline,
 * so a wrong URL fails in seconds with the URL in the message. After that, connections retry forever and
 * say so: a Redis restart pauses the work instead of ending it.
 */
import { Redis } from "ioredis";
import type { RedisTarget } from "./redis-url.js";

/** How long the first contact may take before the command gives up. */
export const REACH_TIMEOUT_MS = 3000;

/** undefined when Redis answered PING within the deadline, else why not. */
export async function unreachableReason(
  target: RedisTarget,
  timeoutMs = REACH_TIMEOUT_MS,
): Promise<string | undefined> {
  const client = new Redis(target.url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  // The first error ends the wait: with retries off, no answer will follow it.
  const failed = new Promise<never>((_, reject) =>
    client.on("error", (error: Error) => {
      lastError = error;
      reject(error);
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
  });
  try {
    const answer = await Promise.race([
      client
        .connect()
        .then(() => client.ping())
        .then(() => undefined),
      deadline,
      failed,
    ]);
    return answer;
  } catch (error) {
    return describe(lastError ?? error);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return String(error);
}

/**
 * A connection for BullMQ that reconnects forever (BullMQ's workers need maxRetriesPerRequest null) and
 * reports losing and regaining Redis through `log`.
 */
export function lastingConnection(target: RedisTarget, log: (line: string) => void): Redis {
  const client = new Redis(target.url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
  });
  let lost = false;
  client.on("error", () => {
    // Reported once per outage, by the reconnecting handler; ioredis would otherwise print each error.
  });
  client.on("reconnecting", () => {
    if (!lost) log(`lost the connection to Redis at ${target.shown}; reconnecting`);
    lost = true;
  });
  client.on("ready", () => {
    if (lost) log(`reconnected to Redis at ${target.shown}`);
    lost = false;
  });
  return client;
}
