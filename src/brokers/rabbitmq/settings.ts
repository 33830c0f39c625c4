import * as z from "zod";
import { builtOnce } from "../../units/built-once.js";
import { duration, size } from "../../units/quantities.js";

/**
 * RabbitMQ releases whose behaviour the profiles tell apart. Releases of one era behave alike here:
 * 3.10-3.13 (no quorum delivery limit by default, no quorum priorities), 4.0-4.2 (delivery limit 20,
 * every return counted, two priority buckets) and 4.3 (nacks no longer count toward the delivery
 * limit, no consumer timeout on classic queues).
 */
export const RABBITMQ_VERSIONS = ["3.10", "3.11", "3.12", "3.13", "4.0", "4.1", "4.2", "4.3"] as const;
export type RabbitVersion = (typeof RABBITMQ_VERSIONS)[number];
export type RabbitEra = "3.x" | "4.0-4.2" | "4.3";

export function eraOf(version: RabbitVersion): RabbitEra {
  if (version.startsWith("3.")) return "3.x";
  return version === "4.3" ? "4.3" : "4.0-4.2";
}

/**
 * Settings of the two RabbitMQ profiles, named as RabbitMQ names them: client
 * options (`confirms`, `autoAck`, `prefetch`), rabbitmq.conf keys (`heartbeat`,
 * `consumer_timeout`) and queue arguments (`x-...`). Defaults are those of
 * `version` (4.2 unless set); docs/brokers/rabbitmq.md gives the source of each.
 */
/** Client and connection settings of both profiles (built once: both profiles share these fields). */
const sharedClient = builtOnce(() => ({
  version: z.enum(RABBITMQ_VERSIONS).default("4.2").meta({
    description:
      "the RabbitMQ release whose behaviour to follow: 3.10-3.13, 4.0-4.2 or 4.3 (see docs/brokers/rabbitmq.md, Versions)",
  }),
  exchange: z.enum(["fanout", "direct", "topic"]).default("fanout").meta({
    description:
      "the exchange producers publish to, bound to one queue per group: fanout copies every message to every queue; direct routes to the queues with a binding equal to the routing key; topic to those whose binding pattern matches it (* one word, # zero or more)",
  }),
  mandatory: z.boolean().default(false).meta({
    description:
      "basic.publish mandatory flag: a message no queue is bound for is returned to the producer (basic.return, counted as rejected) instead of dropped silently while still confirmed",
  }),
  confirms: z.boolean().default(true).meta({
    description:
      "publisher confirms: each publish is acked once queued, or nacked when refused (reject-publish); false: a refused publish is lost silently",
  }),
  autoAck: z.boolean().default(false).meta({
    description:
      "settle each message when it is sent to the consumer: no prefetch bound (only what the sockets hold), and a consumer crash loses what it held (at-most-once)",
  }),
  prefetch: z.number().int().min(0).default(0).meta({
    description:
      "basic.qos prefetch_count: unacked deliveries per consumer; 0 = unlimited (classic: bounded only by what the sockets hold, see socketBufferBytes; quorum: 2000)",
  }),
  heartbeat: duration().prefault("60s").meta({
    description:
      "negotiated heartbeat timeout (the server's default, which amqplib and most clients accept): the broker checks for incoming data every interval and closes a connection silent for two checks in a row, 2 to 3 intervals after its last frame",
  }),
  consumer_timeout: duration().nullable().prefault("30min").meta({
    description:
      "a delivery unacked for longer closes its channel and requeues the channel's deliveries (checked every minute); null = off",
  }),
  channel_tick_interval: duration()
    .refine((interval) => interval >= 1000, { message: "channel_tick_interval must be at least 1ms" })
    .prefault("60s")
    .meta({
      description:
        "how often each channel checks consumer_timeout (an advanced.config key of the rabbit application); a timed-out delivery is found at the first tick after it expired",
    }),
}));

/** Queue and broker settings of both profiles. */
const sharedQueue = builtOnce(() => ({
  requeueOnFailure: z.boolean().default(true).meta({
    description:
      "queuesim: when processing fails the consumer sends basic.nack with requeue=true; false: basic.reject with requeue=false (dead-letter or drop)",
  }),
  "x-dead-letter-exchange": z.string().min(1).nullable().default(null).meta({
    description:
      "where rejected, expired, overflowing (and quorum: over-delivered) messages go; null = they are dropped",
  }),
  "x-message-ttl": duration()
    .nullable()
    .default(null)
    .meta({ description: "message TTL; an expired message is removed (or dead-lettered) when it reaches the head" }),
  "x-max-length": z
    .number()
    .int()
    .min(0)
    .nullable()
    .default(null)
    .meta({ description: "most ready messages a queue holds (unacked ones do not count); null = unbounded" }),
  socketBufferBytes: size().prefault("4MB").meta({
    description:
      "queuesim: bytes of deliveries the TCP socket buffers between the broker and a consumer hold; with autoAck or unlimited prefetch the broker pushes at most this plus 200 messages (UNSENT_MESSAGE_LIMIT) to a consumer that has not read them",
  }),
  cores: z.number().int().min(1).default(4).meta({
    description:
      "Erlang schedulers (one per CPU core by default): each queue is one Erlang process that handles its publishes one at a time, and at most this many queues work at once",
  }),
  memoryLimitBytes: size().nullable().default(null).meta({
    description:
      "queuesim: bytes of messages the broker may hold before the memory alarm blocks every publisher (stands for vm_memory_high_watermark); null = no alarm",
  }),
}));

export const classicSettingsSchema = builtOnce(() =>
  z
    .strictObject({
      ...sharedClient(),
      ...sharedQueue(),
      "x-overflow": z.enum(["drop-head", "reject-publish", "reject-publish-dlx"]).default("drop-head").meta({
        description:
          "at x-max-length: drop (or dead-letter) the oldest message; refuse the publish; or refuse it and dead-letter it (reject-publish-dlx)",
      }),
      durable: z
        .boolean()
        .default(true)
        .meta({ description: "durable queues survive a broker restart; transient ones lose every message" }),
      persistent: z.boolean().default(true).meta({
        description: "delivery_mode 2: messages are written to disk and survive a restart of a durable queue",
      }),
      "x-max-priority": z.number().int().min(1).max(255).nullable().default(null).meta({
        description:
          "makes the queue a priority queue with levels 0 to this (1-255; 2-4 advised): higher priorities are delivered first, priorities above it count as it; null = not a priority queue (message priorities are ignored)",
      }),
    })
    .prefault({}),
);

export const quorumSettingsSchema = builtOnce(() =>
  z
    .strictObject({
      ...sharedClient(),
      ...sharedQueue(),
      "x-overflow": z.enum(["drop-head", "reject-publish"]).default("drop-head").meta({
        description:
          "at x-max-length: drop (or dead-letter) the oldest message, or refuse the publish (checked against the applied Raft state: it overshoots); quorum queues do not support reject-publish-dlx",
      }),
      "x-delivery-limit": z.number().int().min(-1).nullable().default(null).meta({
        description:
          "a message returned more times than this is dead-lettered (reason delivery_limit) or dropped; -1 = unlimited (4.x: returns then go to the tail); null = the version's default: 20 from 4.0, unlimited before",
      }),
      raftApplyDelay: duration().prefault("5ms").meta({
        description:
          "queuesim: how long after the queue applies a publish that takes it over x-max-length its publishers hear reject-publish (a Raft apply and a message back); publishes in that window are accepted, so the queue overshoots its limit",
      }),
    })
    .prefault({}),
);

export type ClassicSettings = z.output<ReturnType<typeof classicSettingsSchema>>;
export type QuorumSettings = z.output<ReturnType<typeof quorumSettingsSchema>>;

/** How the exchange matches routing keys with the groups' binding keys. */
export type ExchangeType = "fanout" | "direct" | "topic";

/** Where a returned (requeued) message goes in the queue. */
export type ReturnPlacement = "original-position" | "returns-first" | "tail";

/**
 * How a queue orders its ready messages by priority: not at all (a classic
 * queue without x-max-priority), one level per priority up to a max (classic
 * with x-max-priority), or the quorum queue's high and normal buckets.
 */
export type PriorityScheme = { kind: "none" } | { kind: "levels"; maxPriority: number } | { kind: "two-buckets" };

/** Settings with every queue-type and version difference resolved, so the broker code never branches on either. */
export interface RabbitOptions {
  queueType: "classic" | "quorum";
  era: RabbitEra;
  exchange: ExchangeType;
  mandatory: boolean;
  confirms: boolean;
  autoAck: boolean;
  /** The negotiated heartbeat interval (µs); 0 = heartbeats off. */
  heartbeat: number;
  consumerTimeout: number | null;
  channelTickInterval: number;
  requeueOnFailure: boolean;
  deadLetterExchange: boolean;
  messageTtl: number | null;
  maxLength: number | null;
  overflow: Overflow;
  /**
   * Quorum reject-publish: how long after the applied state goes over the limit publishers hear of it
   * (null: the limit is checked on every publish, as a classic queue does).
   */
  limitNoticeDelay: number | null;
  memoryLimitBytes: number | null;
  /** Whether queued and unacked messages survive a broker crash. */
  survivesCrash: boolean;
  /** Returns after which a message is given up; null = unlimited. */
  deliveryLimit: number | null;
  /** Whether a basic.nack with requeue counts toward the delivery limit (not from 4.3 on). */
  nacksCountTowardLimit: boolean;
  returnPlacement: ReturnPlacement;
  priorities: PriorityScheme;
  /** Bytes the sockets to one consumer hold, when the push to it is unbounded by prefetch (autoAck or classic prefetch 0); null when prefetch bounds it. */
  socketBufferBytes: number | null;
  cores: number;
}

export type Overflow = "drop-head" | "reject-publish" | "reject-publish-dlx";

/** Quorum queues turn prefetch 0 into this credit (rabbit_fifo_client's UNLIMITED_PREFETCH_COUNT). */
export const QUORUM_UNLIMITED_PREFETCH = 2000;

type SharedSettings = Pick<
  ClassicSettings,
  keyof ReturnType<typeof sharedClient> | keyof ReturnType<typeof sharedQueue>
>;

function sharedOptions(settings: SharedSettings, era: RabbitEra, queueType: "classic" | "quorum") {
  // 4.3 evaluates consumer timeouts in quorum queues only (4.3.0 release notes).
  const timeoutApplies = !settings.autoAck && !(era === "4.3" && queueType === "classic");
  const unbounded = settings.autoAck || (settings.prefetch === 0 && queueType === "classic");
  return {
    era,
    exchange: settings.exchange,
    mandatory: settings.mandatory,
    confirms: settings.confirms,
    autoAck: settings.autoAck,
    heartbeat: settings.heartbeat,
    consumerTimeout: timeoutApplies ? settings.consumer_timeout : null,
    channelTickInterval: settings.channel_tick_interval,
    requeueOnFailure: settings.requeueOnFailure,
    deadLetterExchange: settings["x-dead-letter-exchange"] !== null,
    messageTtl: settings["x-message-ttl"],
    maxLength: settings["x-max-length"],
    memoryLimitBytes: settings.memoryLimitBytes,
    socketBufferBytes: unbounded ? settings.socketBufferBytes : null,
    cores: settings.cores,
  };
}

export function classicOptions(settings: ClassicSettings): RabbitOptions {
  return {
    queueType: "classic",
    ...sharedOptions(settings, eraOf(settings.version), "classic"),
    overflow: settings["x-overflow"],
    limitNoticeDelay: null,
    survivesCrash: settings.durable && settings.persistent,
    deliveryLimit: null,
    nacksCountTowardLimit: false,
    returnPlacement: "original-position",
    priorities:
      settings["x-max-priority"] === null
        ? { kind: "none" }
        : { kind: "levels", maxPriority: settings["x-max-priority"] },
  };
}

/** The quorum delivery limit of a version when x-delivery-limit is not set: 20 from 4.0, none before. */
export function defaultDeliveryLimit(era: RabbitEra): number {
  return era === "3.x" ? -1 : 20;
}

export function quorumOptions(settings: QuorumSettings): RabbitOptions {
  const era = eraOf(settings.version);
  const limit = settings["x-delivery-limit"] ?? defaultDeliveryLimit(era);
  return {
    queueType: "quorum",
    ...sharedOptions(settings, era, "quorum"),
    overflow: settings["x-overflow"],
    limitNoticeDelay: settings["x-overflow"] === "reject-publish" ? settings.raftApplyDelay : null,
    survivesCrash: true,
    deliveryLimit: limit < 0 ? null : limit,
    nacksCountTowardLimit: era !== "4.3",
    // 3.x returns every message to the front (rabbit_fifo's returns queue); 4.x sends them to the tail without a limit.
    returnPlacement: limit >= 0 || era === "3.x" ? "returns-first" : "tail",
    // 3.x quorum queues ignore priorities; 4.0-4.2 (and, simplified, 4.3) serve two buckets.
    priorities: era === "3.x" ? { kind: "none" } : { kind: "two-buckets" },
  };
}

/** Unacked deliveries a consumer may hold: unbounded with autoAck or classic prefetch 0. */
export function prefetchCapacity(settings: SharedSettings, queueType: "classic" | "quorum"): number {
  if (settings.autoAck) return Number.POSITIVE_INFINITY;
  if (settings.prefetch > 0) return settings.prefetch;
  return queueType === "quorum" ? QUORUM_UNLIMITED_PREFETCH : Number.POSITIVE_INFINITY;
}
