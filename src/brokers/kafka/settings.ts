import * as z from "zod";
import type { Distribution } from "../../random/distributions.js";
import { builtOnce } from "../../units/built-once.js";

/**
 * Settings of the kafka profile, named as Kafka names them (broker, topic,
 * producer and consumer configs) with the defaults of the section's `version`
 * (4.x unless it says 3.x), in Kafka's units
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

const broker = () => ({
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
  "replica.fetch.wait.max.ms": millis(
    500,
    "a follower's fetch that finds nothing new waits at the leader this long, and is answered as soon as a record arrives",
  ),
  "replica.fetch.min.bytes": z.number().int().positive().default(1).meta({
    description:
      "bytes a follower's fetch waits for before the leader answers it (or until replica.fetch.wait.max.ms); 1: answered at the first record",
  }),
  "replica.fetch.max.bytes": z.number().int().positive().default(1_048_576).meta({
    description:
      "bytes one fetch response carries per partition (at least one record); a follower far behind catches up in several rounds",
  }),
  "group.initial.rebalance.delay.ms": millis(
    3000,
    "how long a group forming from empty waits for more members, extended while members keep joining",
  ),
});

const producer = () => ({
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
  "linger.ms": z.number().int().min(0).optional().meta({
    description:
      "how long a producer waits for a batch to fill before sending it (milliseconds; default 5 with version 4.x, KIP-1030; 0 with 3.x)",
  }),
  "buffer.memory": z.number().int().positive().default(33_554_432).meta({
    description:
      "bytes of records a producer instance holds unacknowledged (batching, in flight, awaiting retry); a send that does not fit blocks",
  }),
  "max.block.ms": millis(60_000, "how long a send blocks for buffer room before it fails"),
  "delivery.timeout.ms": z.number().int().positive().optional().meta({
    description:
      "a record not acknowledged this long after send() fails; bounds batching, sending and retries together (milliseconds; default 120000, raised to linger.ms + request.timeout.ms when that is larger, as the Java producer does; set explicitly below that sum, it is refused)",
  }),
  "request.timeout.ms": positiveMillis(30_000, "a produce request with no answer this long is retried"),
  "retry.backoff.ms": millis(100, "wait before the first retry; doubles per consecutive failure, with 20% jitter"),
  "retry.backoff.max.ms": millis(1000, "the longest wait between retries (before jitter)"),
  "transaction.interval.ms": z.number().int().positive().optional().meta({
    description:
      "queuesim: every producer instance is a transactional producer (transactional.id = its instance name) that commits its open transaction this long after the transaction's first record was written; unset: no transactions",
  }),
  "transaction.timeout.ms": z
    .number()
    .int()
    .positive()
    .max(900_000, {
      message:
        "the broker refuses a transaction.timeout.ms above transaction.max.timeout.ms (900000, 15 min): InvalidTxnTimeoutException",
    })
    .default(60_000)
    .meta({
      description:
        "the transaction coordinator aborts a transaction still open this long after it began (milliseconds; broker max 15 min)",
    }),
});

const consumer = () => ({
  "partition.assignment.strategy": z.enum(["range", "cooperative-sticky"]).default("range").meta({
    description:
      "range: eager rebalances, every member gives up every partition; cooperative-sticky: only moved partitions pause",
  }),
  "enable.auto.commit": z.boolean().default(true).meta({
    description: "commit the position of records already returned, at the next poll after auto.commit.interval.ms",
  }),
  "auto.commit.interval.ms": millis(5000, "time between automatic commits"),
  commit: z.enum(["after-processing", "before-processing", "transactional"]).optional().meta({
    description:
      "queuesim, with enable.auto.commit false: the application commits each record after processing it (at-least-once), commits each batch as soon as poll returns it (at-most-once), or writes each batch's side effects and offsets in one transaction committed at the end of the batch (exactly-once effects). Default after-processing",
  }),
  "isolation.level": z.enum(["read_uncommitted", "read_committed"]).default("read_uncommitted").meta({
    description:
      "read_uncommitted returns every record, aborted ones too; read_committed returns only committed records, up to the last stable offset (an open transaction holds back every later record of its partition)",
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
});

export const kafkaSettingsSchema = builtOnce(() =>
  z
    .strictObject({ ...broker(), ...producer(), ...consumer() })
    .superRefine((settings, ctx) => {
      if (settings["heartbeat.interval.ms"] >= settings["session.timeout.ms"]) {
        ctx.addIssue({
          code: "custom",
          path: ["heartbeat.interval.ms"],
          message: "heartbeat.interval.ms must be lower than session.timeout.ms (Kafka rejects it otherwise)",
        });
      }
      const interval = settings["transaction.interval.ms"];
      if (interval !== undefined && interval >= settings["transaction.timeout.ms"]) {
        ctx.addIssue({
          code: "custom",
          path: ["transaction.interval.ms"],
          message:
            "transaction.interval.ms must be lower than transaction.timeout.ms: the coordinator would abort every transaction before the producer commits it",
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
    .prefault({}),
);

export type KafkaSettings = z.output<ReturnType<typeof kafkaSettingsSchema>>;

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
  /** Microseconds a message takes from one broker to another (one way): each follower fetch is a round trip. */
  brokerLatency: number;
  /** Microseconds a follower's fetch waits at the leader for replica.fetch.min.bytes. */
  replicaFetchWaitMax: number;
  replicaFetchMinBytes: number;
  replicaFetchMaxBytes: number;
  /** Microseconds of leader work per record (the section's serviceTime), drawn per record. */
  recordTime: Distribution;
  /** Bytes per second one broker writes, every replica's copy counted; Infinity: no per-byte cost. */
  writeBandwidth: number;
  /** Microseconds a written record stays only in the page cache: a host crash loses what is younger. */
  pageCacheFlush: number;
  uncleanElection: boolean;
  replicaLagTimeMax: number;
  brokerSessionTimeout: number;
  initialRebalanceDelay: number;
  batchSize: number;
  linger: number;
  /** The producer client: buffer bytes, and microseconds for the rest. */
  bufferMemory: number;
  maxBlock: number;
  deliveryTimeout: number;
  requestTimeout: number;
  retryBackoff: number;
  retryBackoffMax: number;
  /** Microseconds a producer transaction stays open before its producer commits it; null: no transactions. */
  transactionInterval: number | null;
  /** Microseconds after its start at which the coordinator aborts a transaction still open. */
  transactionTimeout: number;
  strategy: "range" | "cooperative-sticky";
  autoCommit: boolean;
  autoCommitInterval: number;
  commit: "auto" | "after-processing" | "before-processing" | "transactional";
  readCommitted: boolean;
  autoOffsetReset: "latest" | "earliest";
  maxPollRecords: number;
  fetchMaxWait: number;
  maxPollInterval: number;
  sessionTimeout: number;
  heartbeatInterval: number;
}

const MICROS_PER_MS = 1000;

/** Kafka versions whose defaults differ, by major version. */
export type KafkaVersion = "3.x" | "4.x";

/** The cluster's shape and the broker's costs, from the broker section beside `settings`. */
export interface KafkaTopology {
  version: KafkaVersion;
  partitions: number;
  brokers: number;
  /** Microseconds. */
  brokerLatency: number;
  serviceTime: Distribution;
  writeBandwidth: number | "unlimited";
  /** Microseconds. */
  pageCacheFlush: number;
}

/** linger.ms as the client runs it: 5 ms by default from 4.0 (KIP-1030), 0 before. */
export function lingerMs(settings: KafkaSettings, version: KafkaVersion): number {
  return settings["linger.ms"] ?? (version === "4.x" ? 5 : 0);
}

/** The default delivery.timeout.ms (ProducerConfig). */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;

/**
 * delivery.timeout.ms as the Java producer runs it (KafkaProducer.configureDeliveryTimeout): at least
 * linger.ms + request.timeout.ms. A value the user set below that is refused at validation; the default is raised.
 */
export function deliveryTimeoutMs(settings: KafkaSettings, version: KafkaVersion): number {
  const floor = lingerMs(settings, version) + settings["request.timeout.ms"];
  return settings["delivery.timeout.ms"] ?? Math.max(DEFAULT_DELIVERY_TIMEOUT_MS, floor);
}

export function kafkaOptions(settings: KafkaSettings, topology: KafkaTopology): KafkaOptions {
  const { partitions, brokers, brokerLatency, version } = topology;
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
    brokerLatency,
    replicaFetchWaitMax: settings["replica.fetch.wait.max.ms"] * MICROS_PER_MS,
    replicaFetchMinBytes: settings["replica.fetch.min.bytes"],
    replicaFetchMaxBytes: settings["replica.fetch.max.bytes"],
    recordTime: topology.serviceTime,
    writeBandwidth: topology.writeBandwidth === "unlimited" ? Number.POSITIVE_INFINITY : topology.writeBandwidth,
    pageCacheFlush: topology.pageCacheFlush,
    uncleanElection: settings["unclean.leader.election.enable"],
    replicaLagTimeMax: settings["replica.lag.time.max.ms"] * MICROS_PER_MS,
    brokerSessionTimeout: settings["broker.session.timeout.ms"] * MICROS_PER_MS,
    initialRebalanceDelay: settings["group.initial.rebalance.delay.ms"] * MICROS_PER_MS,
    batchSize: settings["batch.size"],
    linger: lingerMs(settings, version) * MICROS_PER_MS,
    bufferMemory: settings["buffer.memory"],
    maxBlock: settings["max.block.ms"] * MICROS_PER_MS,
    deliveryTimeout: deliveryTimeoutMs(settings, version) * MICROS_PER_MS,
    requestTimeout: settings["request.timeout.ms"] * MICROS_PER_MS,
    retryBackoff: settings["retry.backoff.ms"] * MICROS_PER_MS,
    retryBackoffMax: settings["retry.backoff.max.ms"] * MICROS_PER_MS,
    transactionInterval:
      settings["transaction.interval.ms"] === undefined ? null : settings["transaction.interval.ms"] * MICROS_PER_MS,
    transactionTimeout: settings["transaction.timeout.ms"] * MICROS_PER_MS,
    strategy: settings["partition.assignment.strategy"],
    autoCommit,
    autoCommitInterval: settings["auto.commit.interval.ms"] * MICROS_PER_MS,
    commit: autoCommit ? "auto" : (settings.commit ?? "after-processing"),
    readCommitted: settings["isolation.level"] === "read_committed",
    autoOffsetReset: settings["auto.offset.reset"],
    maxPollRecords: settings["max.poll.records"],
    fetchMaxWait: settings["fetch.max.wait.ms"] * MICROS_PER_MS,
    maxPollInterval: settings["max.poll.interval.ms"] * MICROS_PER_MS,
    sessionTimeout: settings["session.timeout.ms"] * MICROS_PER_MS,
    heartbeatInterval: settings["heartbeat.interval.ms"] * MICROS_PER_MS,
  };
}
