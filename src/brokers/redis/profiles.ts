import * as z from "zod";
import { builtOnce } from "../../units/built-once.js";
import { duration } from "../../units/quantities.js";
import { defineProfile, profileFacts } from "../profile.js";
import { createRedisListBroker } from "./list.js";
import { createPubSubBroker } from "./pubsub.js";
import { createReliableListBroker } from "./reliable-list.js";
import {
  appDuration,
  memorySettings,
  parseRedisBytes,
  persistenceSettings,
  redisBytes,
  redisSection,
  versionSetting,
} from "./settings.js";
import { createStreamsBroker } from "./streams.js";

/** Every consumer runs one blocking read (or subscription read) per unit of concurrency. */
const oneReadPerWorker = <Section>(_section: Section, concurrency: number) => concurrency;
const positive = (micros: number) => micros > 0;

const redisHasNoDelay = {
  mechanism: "none",
  refusal:
    "Redis lists, streams and pub/sub have no delayed delivery; the alternatives are a sorted set scored by due time that a poller moves to the queue (BullMQ's delayed set: profile bullmq), or a scheduler in front of the producer",
} as const;

const listSummary = "Redis lists: LPUSH to a list per group, BRPOP; a pop is final (at-most-once)";
export const redisListSchema = builtOnce(() =>
  redisSection(
    "redis-list",
    listSummary,
    z.strictObject({ ...versionSetting(), ...persistenceSettings(), ...memorySettings() }).prefault({}),
  ),
);
export const redisListProfile = defineProfile({
  name: "redis-list",
  routesStages: true,
  facts: profileFacts({
    delay: redisHasNoDelay,
    ordering: "per-producer",
    keepsSent: "on-send",
    crashDetection: "never: what it popped is gone",
  }),
  summary: listSummary,
  schema: redisListSchema,
  create: (context, section) => createRedisListBroker(context, section.settings),
  consumerCapacity: oneReadPerWorker,
  // The lists let go of what was popped, and report what a Redis crash may bring back (ListBroker.releaseRead).
  retiresMessages: true,
});

const reliableSummary = "Redis lists, reliable pattern: BLMOVE to a processing list, LREM on ack, a reaper re-pushes";
export const reliableListSchema = builtOnce(() =>
  redisSection(
    "redis-reliable-list",
    reliableSummary,
    z
      .strictObject({
        ...versionSetting(),
        ...persistenceSettings(),
        ...memorySettings(),
        visibilityTimeout: appDuration(
          "30s",
          "application reaper: an item this long in a processing list is stale",
        ).refine(positive, { message: "visibilityTimeout must be longer than 0" }),
        reaperInterval: appDuration("1s", "application reaper: how often it scans the processing lists").refine(
          positive,
          { message: "reaperInterval must be longer than 0" },
        ),
        fetchRetryDelay: appDuration(
          "1s",
          "application: how long a worker waits to send a BLMOVE again after an error (OOM over maxmemory); Sidekiq waits 1 s",
        ).refine(positive, { message: "fetchRetryDelay must be longer than 0" }),
      })
      .prefault({}),
  ),
);
export const reliableListProfile = defineProfile({
  name: "redis-reliable-list",
  routesStages: true,
  facts: profileFacts({
    delay: redisHasNoDelay,
    ordering: "per-producer",
    crashDetection: "never: a reaper returns its processing list",
  }),
  summary: reliableSummary,
  schema: reliableListSchema,
  create: (context, section) => createReliableListBroker(context, section.settings),
  consumerCapacity: oneReadPerWorker,
  // The processing lists let go of acked and requeued items too (ReliableListBroker.releaseRead).
  retiresMessages: true,
});

const streamsSummary = "Redis streams: XADD, XREADGROUP per consumer group, XACK; pending entries wait for a claim";
export const streamsSchema = builtOnce(() =>
  redisSection(
    "redis-streams",
    streamsSummary,
    z
      .strictObject({
        ...versionSetting(),
        ...persistenceSettings(),
        ...memorySettings(),
        MAXLEN: z.number().int().min(0).nullable().default(null).meta({
          description: "XADD MAXLEN: entries the stream keeps; older ones are trimmed, read or not. null = no trimming",
        }),
        approximate: z.boolean().default(false).meta({
          description: "MAXLEN ~: trim only whole macro nodes, so at least MAXLEN entries stay",
        }),
        COUNT: z.number().int().positive().nullable().default(null).meta({
          description: "XREADGROUP COUNT: most entries per read; null = all that are available",
        }),
        NOACK: z.boolean().default(false).meta({
          description: "XREADGROUP NOACK: no PEL, nothing to XACK: at-most-once",
        }),
        claimInterval: duration()
          .refine(positive, { message: "claimInterval must be longer than 0" })
          .nullable()
          .default(null)
          .meta({
            description: "application: each group's live consumers run XAUTOCLAIM this often; null = never claim",
          }),
        "min-idle-time": duration().prefault("60s").meta({
          description: "XAUTOCLAIM min-idle-time: claim only entries pending (unacked) at least this long",
        }),
        claimCount: z.number().int().positive().default(100).meta({ description: "XAUTOCLAIM COUNT" }),
        readPendingOnRestart: z.boolean().default(false).meta({
          description:
            "application: a restarted consumer first re-reads its own pending entries (XREADGROUP from ID 0)",
        }),
        maxDeliveries: z.number().int().positive().nullable().default(null).meta({
          description:
            "application: an entry delivered this often is copied to a dead-letter stream and XACKed instead of claimed again; null = never",
        }),
        "stream-node-max-entries": z.number().int().min(0).default(100).meta({
          description: "entries per macro node (MAXLEN ~ trims whole nodes); 0 = no limit",
        }),
        "stream-node-max-bytes": redisBytes().default(4096).meta({ description: "bytes per macro node; 0 = no limit" }),
      })
      .prefault({}),
  ),
);
export const streamsProfile = defineProfile({
  name: "redis-streams",
  // Each group a stage publishes to reads a stream of its own (stage-streams.ts).
  routesStages: true,
  facts: profileFacts({
    delay: redisHasNoDelay,
    ordering: "per-producer",
    crashDetection: "never: XAUTOCLAIM takes entries idle long enough",
  }),
  summary: streamsSummary,
  schema: streamsSchema,
  create: (context, section) => createStreamsBroker(context, section.settings),
  consumerCapacity: oneReadPerWorker,
  // Pending entries are reported, read or not (StreamsBroker.releaseRead); a stream without MAXLEN keeps every
  // entry's position, as Redis keeps the entry, but not its message's row. What a Redis crash may bring back is
  // reported too.
  retiresMessages: true,
});

const limitExpected = 'three values "<hard> <soft> <soft seconds>", e.g. "32mb 8mb 60"; 0 disables a limit';
const outputBufferLimit = builtOnce(() =>
  z
    .string()
    .default("32mb 8mb 60")
    .transform((text, ctx) => {
      const [hard, soft, seconds, ...rest] = text.trim().split(/\s+/);
      const limit = {
        hard: parseRedisBytes(hard ?? ""),
        soft: parseRedisBytes(soft ?? ""),
        softFor: /^\d+$/.test(seconds ?? "") ? Number(seconds) * 1e6 : null,
      };
      if (limit.hard === null || limit.soft === null || limit.softFor === null || rest.length > 0) {
        ctx.addIssue({ code: "custom", message: limitExpected });
        return z.NEVER;
      }
      return { hard: limit.hard, soft: limit.soft, softFor: limit.softFor };
    })
    .meta({ description: `client-output-buffer-limit for the pubsub class: ${limitExpected}` }),
);

const pubsubSummary = "Redis pub/sub: only subscribers connected at publish time receive (at-most-once)";
export const pubsubSchema = builtOnce(() =>
  redisSection(
    "redis-pubsub",
    pubsubSummary,
    z
      .strictObject({
        "client-output-buffer-limit": outputBufferLimit(),
        reconnectBase: appDuration(
          "50ms",
          "client: a dropped subscriber's first reconnect attempt comes this long after the drop (ioredis: 50 ms)",
        ).refine(positive, { message: "reconnectBase must be longer than 0" }),
        reconnectGrowth: z.enum(["exponential", "linear"]).default("exponential").meta({
          description:
            "client: attempt n waits reconnectBase x 2^(n-1) (exponential, ioredis 6's default) or reconnectBase x n (linear, ioredis 5's default and README example), at most reconnectMax",
        }),
        reconnectMax: appDuration(
          "5s",
          "client: the longest wait between reconnect attempts, before jitter (ioredis 6: 5 s; 5: 2 s)",
        ),
        reconnectJitter: appDuration(
          "200ms",
          "client: a random extra wait below this, drawn for each attempt (ioredis 6: 0-199 ms; 5: none)",
        ),
        socketBuffers: redisBytes().default(3_800_000).meta({
          description:
            "bytes of messages the kernel's socket buffers take from Redis for a subscriber that does not read, before its output buffer (and the limit) counts them; 3.7-3.9 MB measured on Linux loopback",
        }),
      })
      .prefault({}),
  ),
);
export const pubsubProfile = defineProfile({
  name: "redis-pubsub",
  stagesRefusal:
    "a channel per stage would be fire-and-forget at every hop (a stage not subscribed at the instant of the publish loses it, and nothing is kept to redeliver), so a pipeline's losses would only compound; use redis-streams or redis-list for stages",
  facts: profileFacts({
    delay: redisHasNoDelay,
    ordering: "per-producer",
    keepsSent: "on-send",
    everyConsumerGetsAll: true,
    crashDetection: "process: the socket closes at once; hang, host: the output buffer limit",
  }),
  summary: pubsubSummary,
  schema: pubsubSchema,
  create: (context, section) => createPubSubBroker(context, section.settings),
  consumerCapacity: oneReadPerWorker,
  // Pub/sub keeps only what subscribers' buffers hold, which forEachHeld visits, even across a Redis crash.
  retiresMessages: true,
});
