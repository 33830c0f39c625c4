import * as z from "zod";
import { duration, durationDistribution } from "../../units/quantities.js";
import { brokerSection, defineProfile, profileFacts } from "../profile.js";
import { createKafkaBroker } from "./kafka.js";
import { kafkaProducerClient } from "./producer-client.js";
import { kafkaOptions, kafkaSettingsSchema } from "./settings.js";

const summary = "Apache Kafka 4.0: a partitioned log read by consumer groups that commit offsets";

/**
 * Default broker work per record. Confluent's benchmark peaked at 605 MB/s on
 * 3 brokers with 1 KB records: about 200 MB/s, so about 200,000 records/s, per
 * broker, which is 5 us per record.
 */
export const kafkaSchema = brokerSection(
  "kafka",
  summary,
  kafkaSettingsSchema,
  z
    .number()
    .int()
    .positive()
    .default(1)
    .meta({ description: "partitions of the topic (num.partitions, default 1); one consumer per partition per group" }),
)
  .extend({
    serviceTime: durationDistribution().prefault("5us").meta({
      description:
        "broker work per record, done one at a time; default 5us, about 200,000 records/s (605 MB/s of 1 KB records over 3 brokers)",
    }),
    brokers: z.number().int().positive().default(1).meta({
      description:
        "brokers in the cluster (default 1); partition replicas are spread over them, and a fault can crash one (target: broker/2)",
    }),
    replicationDelay: duration().prefault("1ms").meta({
      description:
        "from a leader's append to a follower having the record: one follower fetch round trip (default 1ms; 0 for textbook runs)",
    }),
  })
  .superRefine((section, ctx) => {
    const factor = section.settings["default.replication.factor"];
    if (factor > section.brokers) {
      ctx.addIssue({
        code: "custom",
        path: ["settings", "default.replication.factor"],
        message: `replication factor ${factor} is larger than the ${section.brokers} broker(s) of the cluster: Kafka refuses it (InvalidReplicationFactorException); set broker.brokers to at least ${factor}`,
      });
    }
  });

export const kafkaProfile = defineProfile({
  name: "kafka",
  facts: profileFacts({
    ordering: "per-partition",
    partitions: true,
    crashDetection: "session timeout (45 s), for every mode",
  }),
  summary,
  schema: kafkaSchema,
  create: (context, section) => createKafkaBroker(context, kafkaOptions(section.settings, section)),
  // Kafka has no broker-side prefetch: a consumer holds its whole poll batch. What the profile needs to know is how
  // many records the consumer processes at once, which decides whole-batch hand-over (1) or per-partition lanes.
  consumerCapacity: (_section, concurrency) => concurrency,
  // The Java producer's accumulator: buffer.memory, max.block.ms, retries within delivery.timeout.ms.
  producerClient: (section) => kafkaProducerClient(kafkaOptions(section.settings, section)),
  // The cluster's brokers: a fault can crash one of them (broker/2).
  nodes: (section) => section.brokers,
});
