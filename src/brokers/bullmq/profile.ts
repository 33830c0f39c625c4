import { builtOnce } from "../../units/built-once.js";
import { defineProfile, profileFacts } from "../profile.js";
import { redisSection } from "../redis/settings.js";
import { createBullmqBroker } from "./bullmq.js";
import { type BullmqSettings, bullmqSettingsSchema } from "./settings.js";

const summary =
  "BullMQ on Redis: a job queue per group, a lock per active job, a stalled-job checker, retries with backoff";

export const bullmqSchema = builtOnce(() => redisSection("bullmq", summary, bullmqSettingsSchema()));

export const bullmqProfile = defineProfile({
  name: "bullmq",
  routesStages: true,
  facts: profileFacts({
    ordering: "per-producer",
    priorities: true,
    crashDetection:
      "never: the job's lock runs out (lockDuration) and the stalled check (stalledInterval) moves it back",
    delay: { mechanism: "timer", feature: "job option delay: the delayed set, promoted when due", maxMicros: null },
  }),
  summary,
  schema: bullmqSchema,
  create: (context, section) => createBullmqBroker(context, section.settings as BullmqSettings),
  // A worker runs `concurrency` jobs at once and fetches no more than that.
  consumerCapacity: (_section, concurrency) => concurrency,
  // Jobs kept to remove later, locks a stalled check reads and what a Redis crash may bring back are reported
  // (BullmqBroker.releaseRead).
  retiresMessages: true,
  // Worker batches (`batch: {size}`) exist only in the commercial BullMQ Pro; the open-source worker takes one job.
  consumerBatches: () => ({
    refused:
      "batches are a BullMQ Pro feature (Worker option batch.size); open-source BullMQ workers take one job at a time: remove batch, or raise concurrency",
  }),
});
