import { builtOnce } from "../../units/built-once.js";
import { durationDistribution } from "../../units/quantities.js";
import { brokerSection, defineProfile, profileFacts } from "../profile.js";
import { createRabbitBroker } from "./rabbitmq.js";
import {
  classicOptions,
  classicSettingsSchema,
  prefetchCapacity,
  quorumOptions,
  quorumSettingsSchema,
} from "./settings.js";

const classicSummary =
  "RabbitMQ classic queue (3.10 to 4.3): a fanout, direct or topic exchange to one queue per group, confirms, prefetch, requeue";
const quorumSummary =
  "RabbitMQ quorum queue (3.10 to 4.3): replicated and always durable, with a delivery limit (20 from 4.0)";

/**
 * Default work of one queue per publish, from RabbitMQ's own benchmarks of 4.0 (rabbitmq.com blog,
 * "AMQP 1.0 Benchmarks", 2024-08-21: one node, one queue, persistent messages, confirms and acks): a
 * classic queue takes about 90,000 msg/s, a quorum queue about 70,000 msg/s.
 */
const serviceTime = (value: string, throughput: string) =>
  durationDistribution()
    .prefault(value)
    .meta({
      description: `work of one queue per publish: each queue handles its publishes one at a time, up to \`cores\` queues at once; default ${value}, about ${throughput} per queue (RabbitMQ 4.0 benchmarks)`,
    });

/** A batch is acked with one basic.ack(multiple=true), so all of it must fit under the channel's prefetch. */
const rabbitBatches = (settings: Parameters<typeof prefetchCapacity>[0], queueType: "classic" | "quorum") => {
  const prefetch = prefetchCapacity(settings, queueType);
  return {
    maxSize: {
      size: prefetch,
      because: `a consumer holds at most prefetch (${prefetch}) unacked deliveries, so a larger batch never fills`,
    },
    capacity: () => prefetch,
  };
};

export const rabbitmqSchema = builtOnce(() =>
  brokerSection("rabbitmq", classicSummary, classicSettingsSchema()).extend({
    serviceTime: serviceTime("11us", "90,000 msg/s"),
  }),
);

export const rabbitmqQuorumSchema = builtOnce(() =>
  brokerSection("rabbitmq-quorum", quorumSummary, quorumSettingsSchema()).extend({
    serviceTime: serviceTime("14us", "70,000 msg/s"),
  }),
);

/** Classic and quorum queues promise the same: a queue's order, and heartbeats or a closed socket to notice a crash. */
const rabbitFacts = profileFacts({
  ordering: "per-producer",
  priorities: true,
  routing: true,
  crashDetection: "process: the socket closes at once; hang, host: missed heartbeats",
  // No delay in AMQP itself: the usual recipe is a delay queue with a message TTL whose dead-letter exchange
  // routes into the work queue. A queue expires messages only at its head (docs/broker-facts.md, TTL).
  delay: {
    mechanism: "head-of-line",
    feature: "a delay queue: per-message TTL (expiration) + dead-letter exchange into the work queue",
    maxMicros: null,
  },
});

export const rabbitmqProfile = defineProfile({
  name: "rabbitmq",
  routesStages: true,
  facts: rabbitFacts,
  summary: classicSummary,
  schema: rabbitmqSchema,
  create: (context, section) => createRabbitBroker(context, classicOptions(section.settings), section.serviceTime),
  consumerCapacity: (section) => prefetchCapacity(section.settings, "classic"),
  consumerBatches: (section) => rabbitBatches(section.settings, "classic"),
  retiresMessages: true,
  visitsStragglers: true,
  brokerRetry:
    "retry queues, one per backoff level, whose expired copies a dead-letter exchange routes back to the work queue",
  servesPublishes: true,
});

export const rabbitmqQuorumProfile = defineProfile({
  name: "rabbitmq-quorum",
  routesStages: true,
  facts: rabbitFacts,
  summary: quorumSummary,
  schema: rabbitmqQuorumSchema,
  create: (context, section) => createRabbitBroker(context, quorumOptions(section.settings), section.serviceTime),
  consumerCapacity: (section) => prefetchCapacity(section.settings, "quorum"),
  consumerBatches: (section) => rabbitBatches(section.settings, "quorum"),
  retiresMessages: true,
  visitsStragglers: true,
  brokerRetry:
    "retry queues, one per backoff level, whose expired copies a dead-letter exchange routes back to the work queue",
  servesPublishes: true,
});
