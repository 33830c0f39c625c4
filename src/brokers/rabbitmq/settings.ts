import * as z from "zod";
import { duration, size } from "../../units/quantities.js";

/**
 * Settings of the two RabbitMQ profiles, named as RabbitMQ names them: client
 * options (`confirms`, `autoAck`, `prefetch`), rabbitmq.conf keys (`heartbeat`,
 * `consumer_timeout`) and queue arguments (`x-...`). Defaults are RabbitMQ
 * 4.0-4.2's; docs/brokers/rabbitmq.md gives the source of each.
 */
const shared = {
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
      "settle each message when it is sent to the consumer: no prefetch bound, and a consumer crash loses what it held (at-most-once)",
  }),
  prefetch: z.number().int().min(0).default(0).meta({
    description:
      "basic.qos prefetch_count: unacked deliveries per consumer; 0 = unlimited (classic: every ready message is pushed at once; quorum: 2000)",
  }),
  heartbeat: duration()
    .prefault("60s")
    .meta({ description: "heartbeat timeout: how long after a consumer crash the broker closes its connection" }),
  consumer_timeout: duration().nullable().prefault("30min").meta({
    description:
      "a delivery unacked for longer closes its channel and requeues the channel's deliveries (checked every minute); null = off",
  }),
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
  "x-overflow": z.enum(["drop-head", "reject-publish"]).default("drop-head").meta({
    description: "at x-max-length: drop (or dead-letter) the oldest message, or refuse the publish",
  }),
  memoryLimitBytes: size().nullable().default(null).meta({
    description:
      "queuesim: bytes of messages the broker may hold before the memory alarm blocks every publisher (stands for vm_memory_high_watermark); null = no alarm",
  }),
};

export const classicSettingsSchema = z
  .strictObject({
    ...shared,
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
  .prefault({});

export const quorumSettingsSchema = z
  .strictObject({
    ...shared,
    "x-delivery-limit": z.number().int().min(-1).default(20).meta({
      description:
        "a message returned more times than this is dead-lettered (reason delivery_limit) or dropped; -1 = unlimited, returns then go to the tail",
    }),
  })
  .prefault({});

export type ClassicSettings = z.output<typeof classicSettingsSchema>;
export type QuorumSettings = z.output<typeof quorumSettingsSchema>;

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

/** Settings with every queue-type difference resolved, so the broker code never branches on the profile. */
export interface RabbitOptions {
  queueType: "classic" | "quorum";
  exchange: ExchangeType;
  mandatory: boolean;
  confirms: boolean;
  autoAck: boolean;
  heartbeat: number;
  consumerTimeout: number | null;
  requeueOnFailure: boolean;
  deadLetterExchange: boolean;
  messageTtl: number | null;
  maxLength: number | null;
  overflow: "drop-head" | "reject-publish";
  memoryLimitBytes: number | null;
  /** Whether queued and unacked messages survive a broker crash. */
  survivesCrash: boolean;
  /** Returns after which a message is given up; null = unlimited. */
  deliveryLimit: number | null;
  returnPlacement: ReturnPlacement;
  priorities: PriorityScheme;
}

/** Quorum queues turn prefetch 0 into this credit (rabbit_fifo_client's UNLIMITED_PREFETCH_COUNT). */
export const QUORUM_UNLIMITED_PREFETCH = 2000;

type SharedSettings = Pick<ClassicSettings, keyof typeof shared>;

function sharedOptions(settings: SharedSettings) {
  return {
    exchange: settings.exchange,
    mandatory: settings.mandatory,
    confirms: settings.confirms,
    autoAck: settings.autoAck,
    heartbeat: settings.heartbeat,
    consumerTimeout: settings.autoAck ? null : settings.consumer_timeout,
    requeueOnFailure: settings.requeueOnFailure,
    deadLetterExchange: settings["x-dead-letter-exchange"] !== null,
    messageTtl: settings["x-message-ttl"],
    maxLength: settings["x-max-length"],
    overflow: settings["x-overflow"],
    memoryLimitBytes: settings.memoryLimitBytes,
  };
}

export function classicOptions(settings: ClassicSettings): RabbitOptions {
  return {
    queueType: "classic",
    ...sharedOptions(settings),
    survivesCrash: settings.durable && settings.persistent,
    deliveryLimit: null,
    returnPlacement: "original-position",
    priorities:
      settings["x-max-priority"] === null
        ? { kind: "none" }
        : { kind: "levels", maxPriority: settings["x-max-priority"] },
  };
}

export function quorumOptions(settings: QuorumSettings): RabbitOptions {
  const limit = settings["x-delivery-limit"];
  return {
    queueType: "quorum",
    ...sharedOptions(settings),
    survivesCrash: true,
    deliveryLimit: limit < 0 ? null : limit,
    returnPlacement: limit < 0 ? "tail" : "returns-first",
    // 4.0-4.2: every quorum queue has the two buckets; there is no x-max-priority to declare.
    priorities: { kind: "two-buckets" },
  };
}

/** Unacked deliveries a consumer may hold: unbounded with autoAck or classic prefetch 0. */
export function prefetchCapacity(settings: SharedSettings, queueType: "classic" | "quorum"): number {
  if (settings.autoAck) return Number.POSITIVE_INFINITY;
  if (settings.prefetch > 0) return settings.prefetch;
  return queueType === "quorum" ? QUORUM_UNLIMITED_PREFETCH : Number.POSITIVE_INFINITY;
}
