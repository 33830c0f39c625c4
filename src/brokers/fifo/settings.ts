import * as z from "zod";
import { builtOnce } from "../../units/built-once.js";
import { duration } from "../../units/quantities.js";

/** Knobs of the plain FIFO profile: one queue per consumer group, an idealized broker. */
export const fifoSettingsSchema = builtOnce(() =>
  z
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
          "unacked deliveries a consumer may hold; null = its concurrency. Above concurrency, the rest wait in the consumer's buffer, hiding network round trips",
      }),
      crashDetection: duration()
        .prefault("10s")
        .meta({ description: "how long the broker takes to notice a crashed consumer and requeue what it held" }),
      deliveryLimit: z.number().int().positive().nullable().default(null).meta({
        description: "deliveries after which a failing message is dead-lettered instead of requeued; null = no limit",
      }),
      durable: z
        .boolean()
        .default(true)
        .meta({ description: "whether queued messages survive a broker crash (false: a crash drops them)" }),
    })
    .prefault({}),
);

export type FifoSettings = z.output<ReturnType<typeof fifoSettingsSchema>>;
