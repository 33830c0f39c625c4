import * as z from "zod";
import { builtOnce } from "../../units/built-once.js";
import { duration, durationQuantity } from "../../units/quantities.js";
import { parseDuration } from "../../units/units.js";

/**
 * Settings of the SQS profiles. PascalCase keys are AWS's own queue attributes
 * and ReceiveMessage parameters, with AWS's defaults (API reference and
 * developer guide, 2023-2024). camelCase keys are queuesim's knobs for what AWS
 * describes but does not quantify, or for the client's side of the receive loop.
 */
const SECOND = 1_000_000;

/**
 * A time as AWS writes it, in whole seconds (`VisibilityTimeout: 30`), or as a
 * queuesim duration (`500ms`) for quick simulations. Parsed to microseconds and
 * kept within AWS's bounds.
 */
function awsSeconds(min: number, max: number) {
  const expected = `whole seconds from ${min} to ${max} (AWS's unit), or a duration such as 500ms or 2min`;
  const durationText = (durationQuantity.jsonSchema.anyOf as object[])[0]!;
  return z
    .unknown()
    .transform((input, ctx) => {
      const parsed = typeof input === "number" ? null : parseDuration(input);
      const micros =
        typeof input === "number" && Number.isInteger(input) ? input * SECOND : parsed?.ok ? parsed.value : Number.NaN;
      if (micros >= min * SECOND && micros <= max * SECOND) return micros;
      ctx.addIssue({ code: "custom", message: expected, input });
      return z.NEVER;
    })
    .meta({ anyOf: [{ type: "integer", minimum: min, maximum: max }, durationText], description: expected });
}

const probability = (description: string) => z.number().min(0).max(1).meta({ description });

const redrivePolicy = builtOnce(() =>
  z.strictObject({
    maxReceiveCount: z.number().int().min(1).max(1000).default(10).meta({
      description: "receives after which the next receive moves the message to the dead-letter queue (AWS default 10)",
    }),
    deadLetterTargetArn: z
      .string()
      .optional()
      .meta({ description: "for the record only: every dead-lettered message is counted as deadLettered" }),
  }),
);

/**
 * The client's heartbeat while it holds a received message: every `every` it
 * calls ChangeMessageVisibility with VisibilityTimeout `extendTo`, so a slow
 * but live consumer keeps its message and a dead one lets it go.
 */
const visibilityHeartbeat = builtOnce(() =>
  z.strictObject({
    every: duration().meta({ description: "time between two heartbeats for one message, from its receive" }),
    extendTo: awsSeconds(0, 43_200).meta({
      description: "the VisibilityTimeout each heartbeat sets with ChangeMessageVisibility, counted from its arrival",
    }),
  }),
);

const commonSettings = builtOnce(() => ({
  VisibilityTimeout: awsSeconds(0, 43_200)
    .prefault(30)
    .meta({ description: "how long a received message stays invisible to other receives (AWS default 30 s)" }),
  ReceiveMessageWaitTimeSeconds: awsSeconds(0, 20)
    .prefault(0)
    .meta({ description: "queue's long-poll wait; 0 = short polling (AWS default)" }),
  WaitTimeSeconds: awsSeconds(0, 20)
    .nullable()
    .default(null)
    .meta({ description: "the client's per-receive wait, overriding ReceiveMessageWaitTimeSeconds; null = not set" }),
  MaxNumberOfMessages: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(1)
    .meta({ description: "messages one receive may return (AWS default 1, at most 10)" }),
  MessageRetentionPeriod: awsSeconds(60, 1_209_600)
    .prefault(345_600)
    .meta({ description: "age at which a message is deleted unconsumed (AWS default 4 days)" }),
  DelaySeconds: awsSeconds(0, 900)
    .prefault(0)
    .meta({ description: "how long a new message stays invisible before its first receive (AWS default 0)" }),
  RedrivePolicy: redrivePolicy().nullable().default(null).meta({
    description: "dead-letter after maxReceiveCount receives; null = no dead-letter queue (AWS default)",
  }),
  inFlightLimit: z.number().int().positive().default(120_000).meta({
    description: "received, undeleted messages a queue allows; receives return nothing at the limit (AWS quota)",
  }),
  visibilityTimeoutOnFailure: awsSeconds(0, 43_200).nullable().default(null).meta({
    description:
      "the VisibilityTimeout the client sets with ChangeMessageVisibility when processing fails; null (default) = the client calls nothing and the message waits out its running timeout, as Lambda and Spring Cloud AWS do; 0 = visible again at once (a nack)",
  }),
  visibilityHeartbeat: visibilityHeartbeat().nullable().default(null).meta({
    description:
      "a client heartbeat that extends a message's visibility while the consumer holds it (ChangeMessageVisibility every `every` to `extendTo`); null = none",
  }),
  receiveRoundTrip: duration().prefault("20ms").meta({
    description:
      "time from a receive's response to the client's next receive reaching SQS (AWS's ~20 ms); on FIFO also added to a throttled call's backoff",
  }),
  emptyReceiveProbability: z.number().min(0).lt(1).default(0.1).meta({
    description:
      "chance that a short poll samples only servers without visible messages and returns empty (an assumption: AWS gives no figure)",
  }),
}));

/**
 * A heartbeat must come before the visibility it renews runs out: the first one
 * within VisibilityTimeout of the receive, each later one within `extendTo` of
 * the previous. Otherwise the message becomes visible between two heartbeats.
 */
function checkHeartbeat(
  settings: { VisibilityTimeout: number; visibilityHeartbeat: { every: number; extendTo: number } | null },
  ctx: z.RefinementCtx,
): void {
  const heartbeat = settings.visibilityHeartbeat;
  if (heartbeat === null) return;
  const path = ["visibilityHeartbeat", "every"];
  const seconds = (micros: number) => `${micros / SECOND}s`;
  if (heartbeat.every <= 0) {
    ctx.addIssue({ code: "custom", path, message: "visibilityHeartbeat.every must be above 0" });
    return;
  }
  for (const [name, visibility] of [
    ["VisibilityTimeout", settings.VisibilityTimeout],
    ["visibilityHeartbeat.extendTo", heartbeat.extendTo],
  ] as const) {
    if (heartbeat.every < visibility) continue;
    ctx.addIssue({
      code: "custom",
      path,
      message: `visibilityHeartbeat.every (${seconds(heartbeat.every)}) must be below ${name} (${seconds(visibility)}): otherwise the message becomes visible between two heartbeats and another consumer can receive it`,
    });
    return;
  }
}

export const standardSettingsSchema = builtOnce(() =>
  z
    .strictObject({
      ...commonSettings(),
      duplicateProbability: probability(
        "chance that a delete misses a stored copy, which is received again later (an assumption: AWS says only 'rare')",
      ).default(0.0001),
      staleReceiptDeleteProbability: probability(
        "chance that a DeleteMessage with an earlier receipt handle (the message was received again since) deletes the message anyway; AWS says only that it 'might not be deleted' (an assumption)",
      ).default(0.5),
      reorderWindow: z.number().int().min(1).default(4).meta({
        description:
          "a receive takes each message from among the first this-many visible ones, at random; 1 = strict arrival order (an assumption)",
      }),
    })
    .superRefine(checkHeartbeat)
    .prefault({}),
);

export const fifoSettingsSchema = builtOnce(() =>
  z
    .strictObject({
      ...commonSettings(),
      FifoThroughputLimit: z.enum(["perQueue", "perMessageGroupId"]).default("perQueue").meta({
        description: "perMessageGroupId with DeduplicationScope messageGroup is high-throughput mode",
      }),
      DeduplicationScope: z.enum(["queue", "messageGroup"]).default("queue").meta({
        description: "only its part in enabling high-throughput mode is modelled",
      }),
      highThroughputPartitions: z.number().int().min(1).max(10_000).default(234).meta({
        description:
          "partitions of a high-throughput queue, each taking 300 calls/s per action; 234 x 300 is the 70,000 TPS regional quota (an assumption: SQS adds partitions as load grows)",
      }),
      sdkMaxAttempts: z.number().int().min(1).max(10).default(3).meta({
        description:
          "attempts the AWS SDK makes for a throttled call (standard retry mode: 3), backing off between them",
      }),
    })
    .superRefine(checkHeartbeat)
    .prefault({}),
);

export type StandardSettings = z.output<ReturnType<typeof standardSettingsSchema>>;
export type FifoQueueSettings = z.output<ReturnType<typeof fifoSettingsSchema>>;
/** What both queue types share; the profile-specific knobs are read where they apply. */
export type CommonSettings = Omit<
  StandardSettings,
  "duplicateProbability" | "staleReceiptDeleteProbability" | "reorderWindow"
>;

/** Partitions whose quotas a FIFO queue's calls count against: 1 (the whole queue) unless in high-throughput mode. */
export function fifoPartitions(settings: FifoQueueSettings): number {
  const highThroughput =
    settings.FifoThroughputLimit === "perMessageGroupId" && settings.DeduplicationScope === "messageGroup";
  return highThroughput ? settings.highThroughputPartitions : 1;
}
