import { durationDistribution } from "../../units/quantities.js";
import { brokerSection, defineProfile } from "../profile.js";
import { createRabbitBroker } from "./rabbitmq.js";
import {
  classicOptions,
  classicSettingsSchema,
  prefetchCapacity,
  quorumOptions,
  quorumSettingsSchema,
} from "./settings.js";

const classicSummary =
  "RabbitMQ 4.x classic queue: a fanout, direct or topic exchange to one queue per group, confirms, prefetch, requeue";
const quorumSummary = "RabbitMQ 4.x quorum queue: replicated and always durable, with a delivery limit of 20";

/**
 * Default broker work per publish, from the RabbitMQ 4.0 AMQP benchmarks
 * (one node, persistent messages, confirms and acks): a classic queue takes
 * about 90,000 msg/s, a quorum queue with default settings about 10,000 msg/s.
 */
const serviceTime = (value: string, throughput: string) =>
  durationDistribution()
    .prefault(value)
    .meta({
      description: `broker work per publish, done one at a time (a single broker thread); default ${value}, about ${throughput} (RabbitMQ 4.0 benchmarks)`,
    });

export const rabbitmqSchema = brokerSection("rabbitmq", classicSummary, classicSettingsSchema).extend({
  serviceTime: serviceTime("11us", "90,000 msg/s"),
});

export const rabbitmqQuorumSchema = brokerSection("rabbitmq-quorum", quorumSummary, quorumSettingsSchema).extend({
  serviceTime: serviceTime("100us", "10,000 msg/s"),
});

export const rabbitmqProfile = defineProfile({
  name: "rabbitmq",
  summary: classicSummary,
  schema: rabbitmqSchema,
  create: (context, section) => createRabbitBroker(context, classicOptions(section.settings)),
  consumerCapacity: (section) => prefetchCapacity(section.settings, "classic"),
});

export const rabbitmqQuorumProfile = defineProfile({
  name: "rabbitmq-quorum",
  summary: quorumSummary,
  schema: rabbitmqQuorumSchema,
  create: (context, section) => createRabbitBroker(context, quorumOptions(section.settings)),
  consumerCapacity: (section) => prefetchCapacity(section.settings, "quorum"),
});
