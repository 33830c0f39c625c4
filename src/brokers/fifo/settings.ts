import * as z from "zod";

/** Knobs of the plain FIFO profile: one queue per consumer group, nothing else. */
export const fifoSettingsSchema = z
  .strictObject({
    maxLength: z
      .number()
      .int()
      .positive()
      .nullable()
      .default(null)
      .meta({ description: "messages a group's queue may hold before `overflow` applies; null = unbounded" }),
    overflow: z.enum(["reject-publish", "drop-head", "block"]).default("reject-publish").meta({
      description:
        "at maxLength: reject the publish (producer sees a nack), drop the oldest message, or block producers until there is room",
    }),
    prefetch: z.number().int().positive().nullable().default(null).meta({
      description:
        "unacked deliveries a consumer may hold (basic.qos); null = its concurrency. Above concurrency, the rest wait in the consumer's buffer, hiding network round trips",
    }),
  })
  .prefault({});

export type FifoSettings = z.output<typeof fifoSettingsSchema>;
