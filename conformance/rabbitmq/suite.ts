/** The RabbitMQ suite: one node shared by the experiments; those that need their own config start one. */
import { join } from "node:path";
import type { BrokerSuite } from "../lib/experiment.js";
import { type RabbitConfig, type RabbitServer, startRabbitMq } from "../lib/servers/rabbitmq.js";
import { classicDropHead, classicRejectPublish } from "./classic-length-limit.js";

export interface RabbitFixture {
  /** The shared node, default configuration. An experiment that kills it must restart it. */
  server: RabbitServer;
  /**
   * A node of the experiment's own in `dir` (its RealContext.dir), e.g. with {heartbeat: 5}.
   * Stopped when the experiment ends; about 5 s to start.
   */
  start(dir: string, config?: RabbitConfig): Promise<RabbitServer>;
}

export const rabbitmqSuite: BrokerSuite<RabbitFixture> = {
  broker: "rabbitmq",
  async setUp(dir, context) {
    const server = await startRabbitMq(join(dir, "shared-node"));
    context.log(`node ${server.nodename} on ${server.url} started in ${server.startMs} ms`);
    return { server, start: (nodeDir, config) => startRabbitMq(join(nodeDir, "node"), config) };
  },
  tearDown: (fixture) => fixture.server.stop(),
  version: (fixture) => fixture.server.version,
  experiments: [classicDropHead, classicRejectPublish],
};
