import * as z from "zod";

/**
 * Settings of the kafka profile, named as Kafka names them (broker, topic,
 * producer and consumer configs) with Kafka 4.0's defaults, in Kafka's units
 * (milliseconds, bytes). `commit` is queuesim's own: it says when an
 * application that turned auto-commit off commits. docs/brokers/kafka.md
 * gives the source of each default.
 */
const millis = (fallback: number, description: string) =>
  z
    .number()
    .int()
    .min(0)
    .default(fallback)
    .meta({ description: `${description} (milliseconds)` });

const positiveMillis = (fallback: number, description: string) =>
  z
    .number()
    .int()
    .positive()
    .default(fallback)
    .meta({ description: `${description} (milliseconds)` });

const broker = {
  "retention.ms": z.number().int().min(-1).default(604_800_000).meta({
    description:
      "records older than this are deleted, consumed or not (7 days); -1 = keep forever. Unread deleted records are dropped",
  }),
  "default.replication.factor": z.number().int().min(1).default(1).meta({
    description:
      "replicas per partition, at most broker.brokers (Kafka refuses more: InvalidReplicationFactorException)",
  }),
  "min.insync.replicas": z.number().int().positive().default(1).meta({
    description:
      "with acks=all, a write needs this many in-sync replicas; above the replication factor every such write fails (NotEnoughReplicas)",
  }),
  "unclean.leader.election.enable": z.boolean().default(false).meta({
    description:
      "when no in-sync replica is left, let an out-of-sync one lead: the partition comes back sooner, and what that replica lacks is lost",
  }),
  "replica.lag.time.max.ms": positiveMillis(
    30_000,
    "the leader drops from the ISR a follower that has not fetched (caught up) for this long",
  ),
  "broker.session.timeout.ms": positiveMillis(
    9000,
    "KRaft: the controller fences a broker it has not heard from for this long, removes it from every ISR and moves its leaderships",
  ),
  "group.initial.rebalance.delay.ms": millis(
    3000,
    "how long a group forming from empty waits for more members, extended while members keep joining",
  ),
};

const producer = {
  acks: z
    .union([z.enum(["all", "-1", "0", "1"]), z.literal(-1), z.literal(0), z.literal(1)])
    .default("all")
    .meta({ description: "all (= -1): every in-sync replica has the record; 1: the leader; 0: no broker reply" }),
  "enable.idempotence": z.boolean().default(true).meta({
    description:
      "producer id + sequence numbers let the broker drop a retried batch it already wrote (3.0+ default; effective with acks=all)",
  }),
  "batch.size": z.number().int().positive().default(16_384).meta({
    description:
      "bytes per partition batch; a full batch is sent at once, and the sticky partitioner moves on after this many bytes",
  }),
  "linger.ms": millis(5, "how long a producer waits for a batch to fill before sending it (Kafka 4.0: 5; 3.x: 0)"),
};

const consumer = {
  "partition.assignment.strategy": z.enum(["range", "cooperative-sticky"]).default("range").meta({
    description:
      "range: eager rebalances, every member gives up every partition; cooperative-sticky: only moved partitions pause",
  }),
  "enable.auto.commit": z.boolean().default(true).meta({
    description: "commit the position of records already returned, at the next poll after auto.commit.interval.ms",
  }),
  "auto.commit.interval.ms": millis(5000, "time between automatic commits"),
  commit: z.enum(["after-processing", "before-processing"]).optional().meta({
    description:
      "queuesim, with enable.auto.commit false: the application commits each record after processing it (at-least-once), or commits each batch as soon as poll returns it (at-most-once). Default after-processing",
  }),
  "auto.offset.reset": z.enum(["latest", "earliest"]).default("latest").meta({
    description:
      "where a group whose committed offset was deleted by retention resumes: the end of the log (skipping the rest) or the oldest record kept",
  }),
  "max.poll.records": z
    .number()
    .int()
    .positive()
    .default(500)
    .meta({ description: "records one poll returns at most" }),
  "fetch.max.wait.ms": millis(500, "how long a fetch waits for data before returning empty"),
  "max.poll.interval.ms": positiveMillis(
    300_000,
    "a member that takes longer than this between polls leaves the group; its partitions move and its commits fail",
  ),
  "session.timeout.ms": positiveMillis(45_000, "a member with no heartbeat for this long is removed from the group"),
  "heartbeat.interval.ms": positiveMillis(3000, "time between heartbeats, which also carry news of a rebalance"),
};

export const kafkaSettingsSchema = z
  .strictObject({ ...broker, ...producer, ...consumer })
  .superRefine((settings, ctx) => {
    if (settings["heartbeat.interval.ms"] >= settings["session.timeout.ms"]) {
      ctx.addIssue({
        code: "custom",
        path: ["heartbeat.interval.ms"],
        message: "heartbeat.interval.ms must be lower than session.timeout.ms (Kafka rejects it otherwise)",
      });
    }
    if (settings["enable.auto.commit"] && settings.commit !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["commit"],
        message: "commit says when the application commits by hand; set enable.auto.commit: false to use it",
      });
    }
  })
  .prefault({});

export type KafkaSettings = z.output<typeof kafkaSettingsSchema>;

/** The settings in the units the simulation uses (microseconds) and with every choice resolved. */
export interface KafkaOptions {
  partitions: number;
  /** Microseconds a record is kept; Infinity for retention.ms -1. */
  retention: number;
  acks: "all" | "1" | "0";
  /** Retried records already written are confirmed, not appended again. */
  idempotent: boolean;
  /** Brokers in the cluster; partition replicas are placed on them (placement.ts). */
  brokers: number;
  replicationFactor: number;
  minInsyncReplicas: number;
  /** Microseconds from a leader's append to a follower having the record. */
  replicationDelay: number;
  uncleanElection: boolean;
  replicaLagTimeMax: number;
  brokerSessionTimeout: number;
  initialRebalanceDelay: number;
  batchSize: number;
  linger: number;
  strategy: "range" | "cooperative-sticky";
  autoCommit: boolean;
  autoCommitInterval: number;
  commit: "auto" | "after-processing" | "before-processing";
  autoOffsetReset: "latest" | "earliest";
  maxPollRecords: number;
  fetchMaxWait: number;
  maxPollInterval: number;
  sessionTimeout: number;
  heartbeatInterval: number;
}

const MICROS_PER_MS = 1000;

/** The cluster's shape, from the broker section beside `settings`. */
export interface KafkaTopology {
  partitions: number;
  brokers: number;
  /** Microseconds. */
  replicationDelay: number;
}

export function kafkaOptions(settings: KafkaSettings, topology: KafkaTopology): KafkaOptions {
  const { partitions, brokers, replicationDelay } = topology;
  const acks = String(settings.acks);
  const autoCommit = settings["enable.auto.commit"];
  return {
    partitions,
    retention: settings["retention.ms"] < 0 ? Number.POSITIVE_INFINITY : settings["retention.ms"] * MICROS_PER_MS,
    acks: acks === "-1" ? "all" : (acks as "all" | "1" | "0"),
    // Idempotence needs acks=all; with other acks Kafka turns the default off.
    idempotent: settings["enable.idempotence"] && (acks === "all" || acks === "-1"),
    brokers,
    replicationFactor: settings["default.replication.factor"],
    minInsyncReplicas: settings["min.insync.replicas"],
    replicationDelay,
    uncleanElection: settings["unclean.leader.election.enable"],
    replicaLagTimeMax: settings["replica.lag.time.max.ms"] * MICROS_PER_MS,
    brokerSessionTimeout: settings["broker.session.timeout.ms"] * MICROS_PER_MS,
    initialRebalanceDelay: settings["group.initial.rebalance.delay.ms"] * MICROS_PER_MS,
    batchSize: settings["batch.size"],
    linger: settings["linger.ms"] * MICROS_PER_MS,
    strategy: settings["partition.assignment.strategy"],
    autoCommit,
    autoCommitInterval: settings["auto.commit.interval.ms"] * MICROS_PER_MS,
    commit: autoCommit ? "auto" : (settings.commit ?? "after-processing"),
    autoOffsetReset: settings["auto.offset.reset"],
    maxPollRecords: settings["max.poll.records"],
    fetchMaxWait: settings["fetch.max.wait.ms"] * MICROS_PER_MS,
    maxPollInterval: settings["max.poll.interval.ms"] * MICROS_PER_MS,
    sessionTimeout: settings["session.timeout.ms"] * MICROS_PER_MS,
    heartbeatInterval: settings["heartbeat.interval.ms"] * MICROS_PER_MS,
  };
}
