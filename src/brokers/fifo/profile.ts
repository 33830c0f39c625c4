import { brokerSection, defineProfile, profileFacts } from "../profile.js";
import { createFifoBroker } from "./fifo.js";
import { fifoSettingsSchema } from "./settings.js";

export const fifoSchema = brokerSection(
  "fifo",
  "a plain FIFO queue per consumer group (an idealized broker)",
  fifoSettingsSchema,
);

export const fifoProfile = defineProfile({
  name: "fifo",
  facts: profileFacts({ ordering: "per-producer", crashDetection: "after `crashDetection` (10 s), for every mode" }),
  summary: "a plain FIFO queue per consumer group (an idealized broker)",
  schema: fifoSchema,
  create: (context, section) => createFifoBroker(context, section.settings),
  consumerCapacity: (section, concurrency) => section.settings.prefetch ?? concurrency,
  retiresMessages: true,
});
