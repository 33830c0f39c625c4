import { builtOnce } from "../../units/built-once.js";
import { brokerSection, defineProfile, profileFacts } from "../profile.js";
import { createFifoBroker } from "./fifo.js";
import { fifoSettingsSchema } from "./settings.js";

export const fifoSchema = builtOnce(() =>
  brokerSection("fifo", "a plain FIFO queue per consumer group (an idealized broker)", fifoSettingsSchema()),
);

export const fifoProfile = defineProfile({
  name: "fifo",
  routesStages: true,
  facts: profileFacts({
    ordering: "per-producer",
    crashDetection: "after `crashDetection` (10 s), for every mode",
    // The idealized broker delays each message exactly, with no limit: the reference the real mechanisms differ from.
    delay: { mechanism: "timer", feature: "an exact per-message timer (idealized)", maxMicros: null },
  }),
  summary: "a plain FIFO queue per consumer group (an idealized broker)",
  schema: fifoSchema,
  create: (context, section) => createFifoBroker(context, section.settings),
  consumerCapacity: (section, concurrency) => section.settings.prefetch ?? concurrency,
  redrive: "a move from the group's dead-letter queue back to the tail of its queue",
  // With a prefetch, a batch must fit under it; without one, each worker holds one batch.
  consumerBatches: (section) => {
    const prefetch = section.settings.prefetch;
    if (prefetch === null) return {};
    const because = `a consumer holds at most prefetch (${prefetch}) unacked deliveries, so a larger batch never fills`;
    return { maxSize: { size: prefetch, because }, capacity: () => prefetch };
  },
  retiresMessages: true,
  visitsStragglers: true,
});
