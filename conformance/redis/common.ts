/** What several Redis experiments share: INFO fields, a paced writer that runs until Redis dies. */
import type { Redis } from "ioredis";
import { sleep } from "../lib/wait.js";

/** One numeric field of INFO (e.g. "persistence", "rdb_changes_since_last_save"). */
export async function infoField(client: Redis, section: string, field: string): Promise<number> {
  const info = await client.info(section);
  const match = new RegExp(`^${field}:(\\d+)`, "m").exec(info);
  if (!match) throw new Error(`INFO ${section} has no ${field}`);
  return Number(match[1]);
}

/**
 * RPUSHes "0", "1", ... to `key`, `perSecond` a second on a drift-free schedule (as fast as
 * replies allow when behind), until a command fails (Redis died) or `stop()` is called.
 * `acknowledged` counts the RPUSHes Redis replied to.
 */
export function pacedWriter(client: Redis, key: string, perSecond: number) {
  const state = { acknowledged: 0, stopped: false };
  const started = Date.now();
  const done = (async () => {
    try {
      for (let id = 0; !state.stopped; id++) {
        const due = started + (id * 1000) / perSecond;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        await client.rpush(key, String(id));
        state.acknowledged = id + 1;
      }
    } catch {
      // The server went away: the last write was not acknowledged.
    }
  })();
  return {
    state,
    done,
    stop: async () => {
      state.stopped = true;
      await done;
    },
  };
}

/** A 1,000-byte value whose first characters are `id` and a space. */
export function payload(id: number, size = 1000): string {
  const head = `${id} `;
  return head + "x".repeat(size - head.length);
}
