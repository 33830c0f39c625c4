/**
 * Change counting (server.dirty, INFO rdb_changes_since_last_save), which drives RDB save
 * points: per command, as t_stream.c, t_list.c and blocked.c count, not per entry. A read
 * served to a blocked client counts nothing; one that finds data counts 1 per call; XADD's MAXLEN
 * trim counts nothing; XAUTOCLAIM counts each entry it claims; a consumer's creation counts 1.
 */
import type { Redis } from "ioredis";
import type { Run } from "../../src/index.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { connectRedis } from "../lib/redis.js";
import { sleep } from "../lib/wait.js";
import { infoField } from "./common.js";
import type { RedisFixture } from "./suite.js";

const dirty = (client: Redis) => infoField(client, "persistence", "rdb_changes_since_last_save");
type Entries = [string, [string, [string, string[]][]][]] | null;
type ReadReply = [string, [string, string[]][]][] | null;

/** XREADGROUP for `consumer`, blocking if `block`; returns the entry IDs. */
async function readGroup(client: Redis, consumer: string, block: boolean): Promise<string[]> {
  const blockArgs = block ? ["BLOCK", 0] : [];
  const reply = (await client.call(
    "XREADGROUP",
    "GROUP",
    "g",
    consumer,
    ...blockArgs,
    "STREAMS",
    "s",
    ">",
  )) as ReadReply;
  return (reply?.[0]?.[1] ?? []).map(([id]) => id);
}

/** Lets a blocking command reach Redis before the write that serves it. */
const settle = () => sleep(30);

const changesFigure = (run: Run): number => run.result.brokerFigures?.rdb_changes_since_last_save ?? Number.NaN;

/** One consumer of redis-streams or redis-reliable-list that is down from 0.35 s to 0.8 s: m3..m5 wait for it. */
function downAndBack(name: string, profile: string, settings: Record<string, unknown>) {
  return {
    name,
    seed: 1,
    duration: "1s",
    broker: { profile, serviceTime: 0, settings: { save: "", ...settings } },
    producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 6 }],
    consumers: [{ group: "g", processing: "1ms" }],
    faults: [{ at: "350ms", crash: "consumer", target: "g", restartAfter: "450ms" }],
  };
}

export const streamChanges: Experiment<RedisFixture> = {
  id: "redis/stream-change-counting",
  title: "Streams count one change per XADD, XACK and XREADGROUP call, none for a blocked read or a MAXLEN trim",
  behaviour: "RDB change counting (server.dirty): streams",
  description:
    "On a fresh server without RDB: consumer c1 blocks in XREADGROUP, an XADD MAXLEN 2 serves it, c1 XACKs; " +
    "three times. Then three XADD MAXLEN 2 while c1 is away (the first of them is trimmed unread), and one " +
    "XREADGROUP by c1 returns the other two, which it XACKs. Counted: rdb_changes_since_last_save gained " +
    "after the group was created, and entries consumed.",
  async real(fixture, context) {
    const server = await fixture.start(context.dir);
    const producer = await connectRedis(server.port);
    const consumer = await connectRedis(server.port);
    await producer.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
    const before = await dirty(producer);
    let consumed = 0;
    for (let id = 0; id < 3; id++) {
      const read = readGroup(consumer, "c1", true);
      await settle();
      await producer.xadd("s", "MAXLEN", 2, "*", "id", String(id));
      for (const entry of await read) consumed += Number(await consumer.xack("s", "g", entry));
    }
    for (let id = 3; id < 6; id++) await producer.xadd("s", "MAXLEN", 2, "*", "id", String(id));
    for (const entry of await readGroup(consumer, "c1", false))
      consumed += Number(await consumer.xack("s", "g", entry));
    return { changes: (await dirty(producer)) - before, consumed };
  },
  scenario: () => downAndBack("redis-stream-change-counting", "redis-streams", { MAXLEN: 2 }),
  simulated: (run: Run): Figures => ({ changes: changesFigure(run), consumed: run.summary.messages.consumed }),
  rules: { changes: { kind: "exact" }, consumed: { kind: "exact" } },
};

export const listChanges: Experiment<RedisFixture> = {
  id: "redis/list-change-counting",
  title: "Reliable lists count one change per LPUSH and LREM, and per BLMOVE only when it finds an item",
  behaviour: "RDB change counting (server.dirty): lists",
  description:
    "On a fresh server without RDB: a consumer blocks in BLMOVE queue processing, an LPUSH serves it, the " +
    "consumer LREMs the item; three times. Then three LPUSHes while the consumer is away, and three BLMOVE + " +
    "LREM rounds that find the items queued. Counted: rdb_changes_since_last_save gained.",
  async real(fixture, context) {
    const server = await fixture.start(context.dir);
    const producer = await connectRedis(server.port);
    const consumer = await connectRedis(server.port);
    const before = await dirty(producer);
    const round = async () => {
      const id = await consumer.blmove("queue", "processing", "RIGHT", "LEFT", 0);
      if (id !== null) await consumer.lrem("processing", 1, id);
    };
    for (let id = 0; id < 3; id++) {
      const served = round();
      await settle();
      await producer.lpush("queue", String(id));
      await served;
    }
    for (let id = 3; id < 6; id++) await producer.lpush("queue", String(id));
    for (let id = 3; id < 6; id++) await round();
    return { changes: (await dirty(producer)) - before };
  },
  scenario: () => downAndBack("redis-list-change-counting", "redis-reliable-list", {}),
  simulated: (run: Run): Figures => ({ changes: changesFigure(run) }),
  rules: { changes: { kind: "exact" } },
};

export const autoclaimChanges: Experiment<RedisFixture> = {
  id: "redis/autoclaim-change-counting",
  title: "XAUTOCLAIM counts one change per entry claimed; each new consumer one",
  behaviour: "RDB change counting (server.dirty): XAUTOCLAIM",
  description:
    "On a fresh server without RDB: consumers c1 and c2 each block in XREADGROUP and get one new entry; c2 " +
    "XACKs its own; c1 never does. 0.9 s later c2 runs XAUTOCLAIM with min-idle-time 500 ms, which claims c1's " +
    "entry, and XACKs it. Counted: rdb_changes_since_last_save gained after the group was created.",
  async real(fixture, context) {
    const server = await fixture.start(context.dir);
    const producer = await connectRedis(server.port);
    const c1 = await connectRedis(server.port);
    const c2 = await connectRedis(server.port);
    await producer.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
    const before = await dirty(producer);
    const first = readGroup(c1, "c1", true);
    await settle();
    await producer.xadd("s", "*", "id", "0");
    await first;
    const second = readGroup(c2, "c2", true);
    await settle();
    await producer.xadd("s", "*", "id", "1");
    for (const entry of await second) await c2.xack("s", "g", entry);
    await sleep(900);
    const claimed = (await c2.call("XAUTOCLAIM", "s", "g", "c2", 500, "0-0")) as Entries;
    for (const [entry] of (claimed?.[1] ?? []) as unknown as [string][]) await c2.xack("s", "g", entry);
    return { changes: (await dirty(producer)) - before };
  },
  scenario: () => ({
    name: "redis-autoclaim-change-counting",
    seed: 1,
    duration: "3s",
    broker: {
      profile: "redis-streams",
      serviceTime: 0,
      settings: { save: "", claimInterval: "1s", "min-idle-time": "500ms" },
    },
    producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 2 }],
    consumers: [{ group: "g", instances: 2, processing: "300ms" }],
    // g/1 takes m0 at 0.1 s and dies with it; g/2 takes m1 at 0.2 s, XACKs it, and claims m0 at 1.1 s.
    faults: [{ at: "150ms", crash: "consumer", target: "g/1" }],
  }),
  simulated: (run: Run): Figures => ({ changes: changesFigure(run) }),
  rules: { changes: { kind: "exact" } },
};
