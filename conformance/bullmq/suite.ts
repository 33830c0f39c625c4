/**
 * The BullMQ suite: the real `bullmq` npm package (the version in package-lock.json) on a private
 * redis-server with the default configuration, workers in their own processes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { BrokerSuite } from "../lib/experiment.js";
import { type RedisServer, startRedis } from "../lib/servers/redis.js";
import { backoffExponential, limiterThroughput } from "./retries.js";
import { stalledTwiceFailed, workerKillStalled } from "./stalled.js";

export interface BullmqFixture {
  server: RedisServer;
}

/** The installed bullmq's version, read from its package.json. */
function bullmqVersion(): string {
  const manifest = join(process.cwd(), "node_modules", "bullmq", "package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

export const bullmqSuite: BrokerSuite<BullmqFixture> = {
  broker: "bullmq",
  async setUp(dir, context) {
    const server = await startRedis(join(dir, "redis"));
    context.log(`bullmq ${bullmqVersion()} on redis-server ${server.version}, 127.0.0.1:${server.port}`);
    return { server };
  },
  tearDown: (fixture) => fixture.server.stop(),
  version: (fixture) => `${bullmqVersion()} on Redis ${fixture.server.version}`,
  experiments: [workerKillStalled, stalledTwiceFailed, backoffExponential, limiterThroughput],
};
