/**
 * The Redis suite. Redis starts in milliseconds, so besides a shared server (default config, no
 * persistence) experiments can start their own with the config they test.
 */
import { join } from "node:path";
import type { BrokerSuite } from "../lib/experiment.js";
import { type RedisConfig, type RedisServer, startRedis } from "../lib/servers/redis.js";
import { aofAlwaysKill, aofEverysecKill, aofNoKill } from "./aof-kill.js";
import { autoclaimChanges, listChanges, streamChanges } from "./changes.js";
import { reliableListConsumerKill, streamsClaimedTwice } from "./consumer-crashes.js";
import { listConsumerFrozen } from "./frozen-consumer.js";
import { listConsumerCrash } from "./list-consumer-crash.js";
import { blmoveRefusedOom, maxmemoryListAccepted, maxmemoryStreamAccepted } from "./maxmemory.js";
import { pubsubOutputBufferLimit, pubsubRestartGap } from "./pubsub.js";
import { rdbSaveCadence, rdbSaveKill } from "./rdb-save.js";
import { streamsCrashAutoclaim } from "./streams-crash-autoclaim.js";

export interface RedisFixture {
  /** The shared server: `save ""`, `appendonly no`. Use fresh key names (uniqueName). */
  server: RedisServer;
  /** A server of the experiment's own in `dir` (its RealContext.dir); stopped when the experiment ends. */
  start(dir: string, config?: RedisConfig): Promise<RedisServer>;
}

export const redisSuite: BrokerSuite<RedisFixture> = {
  broker: "redis",
  async setUp(dir, context) {
    const server = await startRedis(join(dir, "shared-server"));
    context.log(`redis-server ${server.version} on 127.0.0.1:${server.port}`);
    return { server, start: (serverDir, config) => startRedis(join(serverDir, "redis"), config) };
  },
  tearDown: (fixture) => fixture.server.stop(),
  version: (fixture) => fixture.server.version,
  experiments: [
    listConsumerCrash,
    streamsCrashAutoclaim,
    listConsumerFrozen,
    reliableListConsumerKill,
    streamsClaimedTwice,
    aofEverysecKill,
    aofNoKill,
    aofAlwaysKill,
    rdbSaveCadence,
    rdbSaveKill,
    maxmemoryListAccepted,
    maxmemoryStreamAccepted,
    blmoveRefusedOom,
    streamChanges,
    listChanges,
    autoclaimChanges,
    pubsubOutputBufferLimit,
    pubsubRestartGap,
  ],
};
