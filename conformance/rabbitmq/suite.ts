/** The RabbitMQ suite: one node shared by the experiments; those that need their own config start one. */
import { join } from "node:path";
import type { BrokerSuite } from "../lib/experiment.js";
import { type RabbitConfig, type RabbitServer, startRabbitMq } from "../lib/servers/rabbitmq.js";
import { brokerRestartDurable, brokerRestartTransient } from "./broker-restart.js";
import { classicDropHead, classicRejectPublish } from "./classic-length-limit.js";
import { consumerTimeout } from "./consumer-timeout.js";
import { cleanStopRequeue, consumerSigkillRequeue, consumerSigstopHeartbeat } from "./crash-detection.js";
import { nackDeadLetter, quorumDeliveryLimit, quorumNoDeliveryLimit } from "./failed-processing.js";
import { classicRejectPublishDlx, quorumRejectPublishOvershoot } from "./overflow.js";
import { prefetchWindow1, prefetchWindow10, prefetchWindow100 } from "./prefetch-window.js";
import { priorityUnderPrefetch } from "./priority.js";
import { autoackStoppedReader1kb, autoackStoppedReader10kb } from "./push-bound.js";

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
  experiments: [
    classicDropHead,
    classicRejectPublish,
    classicRejectPublishDlx,
    quorumRejectPublishOvershoot,
    consumerSigkillRequeue,
    consumerSigstopHeartbeat,
    cleanStopRequeue,
    autoackStoppedReader1kb,
    autoackStoppedReader10kb,
    prefetchWindow1,
    prefetchWindow10,
    prefetchWindow100,
    quorumNoDeliveryLimit,
    quorumDeliveryLimit,
    nackDeadLetter,
    priorityUnderPrefetch,
    consumerTimeout,
    brokerRestartDurable,
    brokerRestartTransient,
  ],
};
