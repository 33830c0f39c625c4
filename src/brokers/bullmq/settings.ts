import * as z from "zod";
import { builtOnce } from "../../units/built-once.js";
import { duration } from "../../units/quantities.js";
import {
  memorySettings,
  type PersistenceSettings,
  persistenceSettings,
  type RedisVersion,
  redisBytes,
  versionSetting,
} from "../redis/settings.js";

/**
 * The `bullmq` profile's settings, named as BullMQ names them: Worker options (lockDuration,
 * lockRenewTime, stalledInterval, maxStalledCount, limiter) and default job options (attempts, backoff,
 * delay, priority, removeOnComplete, removeOnFail), read from BullMQ 6.7.6 (worker.js's defaults,
 * job.js, backoffs.js and the Lua scripts moveToActive, extendLock, moveStalledJobsToWait,
 * moveToFinished, retryJob, moveToDelayed). The Redis under it takes the Redis profiles' persistence
 * and memory settings. A worker's `concurrency` is its consumer group's `concurrency`.
 */

const positive = (micros: number) => micros > 0;

const worker = () => ({
  lockDuration: duration()
    .prefault("30s")
    .refine(positive, { message: "lockDuration must be longer than 0" })
    .meta({ description: "Worker lockDuration: how long a job's lock lasts unless renewed (BullMQ default 30000 ms)" }),
  lockRenewTime: duration()
    .refine(positive, { message: "lockRenewTime must be longer than 0" })
    .nullable()
    .default(null)
    .meta({
      description:
        "Worker lockRenewTime: a live worker renews each job's lock this often; null = lockDuration / 2 (BullMQ's default)",
    }),
  stalledInterval: duration()
    .prefault("30s")
    .refine(positive, { message: "stalledInterval must be longer than 0" })
    .meta({
      description:
        "Worker stalledInterval: each worker runs the stalled-job check this often, at most once per interval per queue (BullMQ default 30000 ms)",
    }),
  maxStalledCount: z.number().int().min(0).default(1).meta({
    description:
      "Worker maxStalledCount: a job found stalled more often than this is failed ('job stalled more than allowable limit') when a worker next fetches it (BullMQ default 1)",
  }),
  limiter: z
    .strictObject({
      max: z.number().int().positive().meta({ description: "jobs moved to active per window" }),
      duration: duration()
        .refine(positive, { message: "limiter.duration must be longer than 0" })
        .meta({ description: "the window, which starts at the first job it counts" }),
    })
    .nullable()
    .default(null)
    .meta({ description: "Worker limiter {max, duration}: the queue's rate limit, a fixed window (null = none)" }),
});

const backoff = builtOnce(() =>
  z
    .strictObject({
      type: z.enum(["fixed", "exponential"]).meta({
        description: "fixed: every retry waits `delay`; exponential: retry n waits round(2^(n-1) x delay)",
      }),
      delay: duration().meta({ description: "the base delay" }),
      jitter: z.number().min(0).max(1).default(0).meta({
        description: "a fraction of the delay drawn at random: the wait is drawn from [delay x (1 - jitter), delay)",
      }),
    })
    .nullable()
    .default(null)
    .meta({
      description: "job option backoff: how long a failed job waits in the delayed set before its retry (null = none)",
    }),
);

/** removeOnComplete / removeOnFail: true removes the job at once, false keeps it, a number keeps that many newest. */
const keepJobs = (description: string) =>
  z
    .union([z.boolean(), z.number().int().min(0)])
    .default(false)
    .meta({ description });

const job = () => ({
  attempts: z.number().int().min(1).default(1).meta({
    description: "job option attempts: tries before a failing job goes to failed (BullMQ default: 1, no retries)",
  }),
  backoff: backoff(),
  delay: duration().prefault(0).meta({
    description: "job option delay: every job waits this long in the delayed set before it can be processed",
  }),
  priority: z.enum(["none", "from-message"]).default("none").meta({
    description:
      'job option priority: "none" adds every job to the wait list (FIFO); "from-message" adds each with BullMQ priority 256 - its message priority (0-255), so higher message priorities run first',
  }),
  removeOnComplete: keepJobs(
    "job option removeOnComplete: true, false (keep all, BullMQ's default) or how many to keep",
  ),
  removeOnFail: keepJobs("job option removeOnFail: true, false (keep all, BullMQ's default) or how many to keep"),
});

const redis = () => ({
  ...versionSetting(),
  ...persistenceSettings(),
  maxmemory: memorySettings().maxmemory,
  baselineMemory: memorySettings().baselineMemory,
  "maxmemory-policy": z.enum(["noeviction"]).default("noeviction").meta({
    description:
      "BullMQ requires noeviction (it warns at start-up otherwise): over maxmemory Redis refuses Queue.add with an OOM error",
  }),
  jobBytes: redisBytes().default(1200).meta({
    description:
      "used_memory a job costs beyond its payload (its hash with name, opts, timestamps, its id in a list or set, its events); an estimate",
  }),
});

export const bullmqSettingsSchema = builtOnce(() => z.strictObject({ ...worker(), ...job(), ...redis() }).prefault({}));

export type KeepJobs = boolean | number;

export type BullmqSettings = PersistenceSettings & {
  version: RedisVersion;
  maxmemory: number;
  baselineMemory: number;
  "maxmemory-policy": "noeviction";
  jobBytes: number;
  lockDuration: number;
  lockRenewTime: number | null;
  stalledInterval: number;
  maxStalledCount: number;
  limiter: { max: number; duration: number } | null;
  attempts: number;
  backoff: { type: "fixed" | "exponential"; delay: number; jitter: number } | null;
  delay: number;
  priority: "none" | "from-message";
  removeOnComplete: KeepJobs;
  removeOnFail: KeepJobs;
};
