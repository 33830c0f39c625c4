import * as z from "zod";
import { builtOnce } from "../../units/built-once.js";
import { duration, durationDistribution } from "../../units/quantities.js";
import { brokerSection, defineProfile, profileFacts, type RetirementConditions } from "../profile.js";
import { createKafkaBroker } from "./kafka.js";
import { kafkaProducerClient } from "./producer-client.js";
import {
  DEFAULT_DELIVERY_TIMEOUT_MS,
  deliveryTimeoutMs,
  kafkaOptions,
  kafkaSettingsSchema,
  lingerMs,
} from "./settings.js";

const summary = "Apache Kafka (4.x by default, or 3.x): a partitioned log read by consumer groups that commit offsets";

/**
 * Capacity (docs/brokers/kafka.md, "Capacity"): each broker serves the partitions it leads, one record at a
 * time, with its own threads and disk; a record costs `serviceTime` plus its bytes, counted once per replica,
 * at `writeBandwidth`. Defaults: Confluent's benchmark ("Benchmarking Apache Kafka, Apache Pulsar, and
 * RabbitMQ: Which is the Fastest?", 2020) peaked at 605 MB/s of 1 KB records on 3 brokers with replication
 * factor 3, so every broker wrote 605 MB/s (its third as leader, two thirds as follower); LinkedIn's "Benchmarking
 * Apache Kafka: 2 Million Writes Per Second (On Three Cheap Machines)" (Kreps, 2014) wrote 2,024,032 records/s
 * of 100 bytes with 3-way replication on 3 brokers: 1.5 us per record per broker, about 1 us of it not bytes.
 */
export const kafkaSchema = builtOnce(() =>
  brokerSection(
    "kafka",
    summary,
    kafkaSettingsSchema(),
    z.number().int().positive().default(1).meta({
      description: "partitions of the topic (num.partitions, default 1); one consumer per partition per group",
    }),
  )
    .extend({
      version: z.enum(["4.x", "3.x"]).default("4.x").meta({
        description:
          "the Kafka version whose defaults apply: 4.x (linger.ms 5, KIP-1030) or 3.x (linger.ms 0); both have acks=all, idempotence and session.timeout.ms 45 s (3.0+) and the classic group protocol by default",
      }),
      serviceTime: durationDistribution().prefault("1us").meta({
        description:
          "leader work per record besides its bytes, on the partition leader's broker, one record at a time per broker (default 1us: LinkedIn's 2 million 100-byte writes/s on 3 brokers)",
      }),
      writeBandwidth: z
        .union([z.number().positive(), z.literal("unlimited")])
        .default(605_000_000)
        .meta({
          description:
            'bytes per second one broker writes, every replica counted: a record of s bytes costs its leader s x replication factor / writeBandwidth (default 605000000: Confluent\'s 605 MB/s on 3 brokers with RF 3); "unlimited": no per-byte cost',
        }),
      brokers: z.number().int().positive().default(1).meta({
        description:
          "brokers in the cluster (default 1); partition replicas and leaderships are spread over them, and a fault can crash one (target: broker/2)",
      }),
      brokerLatency: duration().prefault("500us").meta({
        description:
          "one-way network time between brokers: a follower's fetch is a round trip (default 500us, a cluster spread over one region's zones; an assumption, not a Kafka figure)",
      }),
      pageCacheFlush: duration().prefault("30s").meta({
        description:
          "how long a written record stays only in the page cache before Linux writes it out (vm.dirty_expire_centisecs 3000); Kafka does not fsync by default, so a host crash loses what is younger; a process crash loses nothing",
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
      const set = section.settings["delivery.timeout.ms"];
      const floor = lingerMs(section.settings, section.version) + section.settings["request.timeout.ms"];
      if (set !== undefined && set < floor) {
        ctx.addIssue({
          code: "custom",
          path: ["settings", "delivery.timeout.ms"],
          message: `delivery.timeout.ms must be at least linger.ms + request.timeout.ms (${floor}); Kafka refuses a value set below it (ConfigException)`,
        });
      }
    }),
);

type KafkaSection = z.output<ReturnType<typeof kafkaSchema>>;

/** The default delivery.timeout.ms raised to linger.ms + request.timeout.ms, as the Java producer does with a warning. */
function kafkaWarnings(section: KafkaSection): { path: string[]; message: string }[] {
  const { settings, version } = section;
  const timeout = deliveryTimeoutMs(settings, version);
  if (settings["delivery.timeout.ms"] !== undefined || timeout === DEFAULT_DELIVERY_TIMEOUT_MS) return [];
  return [
    {
      path: ["settings", "delivery.timeout.ms"],
      message: `the default delivery.timeout.ms (${DEFAULT_DELIVERY_TIMEOUT_MS}) is below linger.ms + request.timeout.ms: raised to ${timeout}, as the Kafka producer does (it logs the same warning)`,
    },
  ];
}

/**
 * Whether a run may retire the rows of messages every group is done with (KafkaBroker.releaseRead). Retention
 * within the run reads, when it deletes a record, only its acceptance time, which the log notes as it lets go
 * (TopicLog.keepFrom); transactions report their open records (ProducerTransactions and StageTransactions
 * `oldestHeld`) and keep their records' states in message-table columns; retry topics report what they hold
 * (`RetryTopics.forEachHeld`; a record being retried is an open delivery). Not when a broker crashes: a
 * failover to a replica that lacks records below a committed offset (an unclean election, a leader back from a
 * host crash with its page cache gone) truncates the log there, reads the outcome of every record cut off and
 * resets the offset to the log start, so every stored record is read again; a follower back from a long
 * outage fetches (and reads the size of) every record from its own log end; and a host crash looks up append
 * times from the log start. Retiring there would need the log, and the rows, kept from the lowest of the log
 * start, the high watermark and every replica's log end, as it is and as its history (LeoHistory) may give it
 * back after a host crash: everything stored for the whole run unless retention deletes it, longer behind a
 * follower that is down, and, as a leader notes no log end while it leads, from the log end it had when elected
 * for as long as it leads (a host crash soon after it loses leadership takes it back there).
 */
function kafkaRetires(_section: KafkaSection, run: RetirementConditions): boolean {
  return !run.brokerCrashes;
}

export const kafkaProfile = defineProfile({
  name: "kafka",
  facts: profileFacts({
    ordering: "per-partition",
    partitions: true,
    crashDetection: "session timeout (45 s), for every mode",
    delay: {
      mechanism: "none",
      refusal:
        "Kafka has no delayed delivery; the alternatives are a consumer that pauses its partition until a record falls due (how Spring Kafka's @RetryableTopic delays retry topics), a scheduler in front of the producer, or a broker that has one (sqs, rabbitmq, bullmq)",
    },
  }),
  summary,
  schema: kafkaSchema,
  create: (context, section) => createKafkaBroker(context, kafkaOptions(section.settings, section)),
  // Each broker serves the records of the partitions it leads (intake.ts): no single intake queue for the cluster.
  servesPublishes: true,
  warnings: kafkaWarnings,
  // Kafka has no broker-side prefetch: a consumer holds its whole poll batch. What the profile needs to know is how
  // many records the consumer processes at once, which decides whole-batch hand-over (1) or per-partition lanes.
  consumerCapacity: (_section, concurrency) => concurrency,
  // A batch is cut from one poll's records and processed in the poll loop; the next poll waits for its acks.
  brokerRetry: "retry topics as Spring Kafka's @RetryableTopic: one per backoff level, read by the same group once due",
  consumerBatches: (section) => ({
    maxSize: {
      size: section.settings["max.poll.records"],
      because: `a batch comes from one poll, and max.poll.records is ${section.settings["max.poll.records"]}`,
    },
    oneWorker: "a Kafka batch is one poll, processed in the poll loop: use more instances for parallelism",
    capacity: () => 1,
  }),
  // The Java producer batches by itself (linger.ms, batch.size): an application batch on top of it means nothing.
  producerBatches: () => ({
    refused:
      "the Kafka producer batches by itself: set linger.ms and batch.size under broker.settings instead of batch",
  }),
  // The Java producer's accumulator: buffer.memory, max.block.ms, retries within delivery.timeout.ms.
  producerClient: (section) => kafkaProducerClient(kafkaOptions(section.settings, section)),
  retiresMessages: kafkaRetires,
  visitsStragglers: true,
  // The cluster's brokers: a fault can crash one of them (broker/2).
  nodes: (section) => section.brokers,
  // Each group a stage publishes to reads a topic of its own, `<group>-in` (topics.ts).
  routesStages: true,
});
