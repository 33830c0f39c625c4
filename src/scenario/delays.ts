import * as z from "zod";
import { profileNamed } from "../brokers/profiles.js";
import type { Distribution } from "../random/distributions.js";
import { type CronSchedule, parseCron } from "../units/cron.js";
import { duration, durationDistribution } from "../units/quantities.js";

/**
 * A producer's broker-side delays and recurring schedule: the fields, and the
 * checks against the broker profile's delay facts (what the broker can do is
 * stated once, in each profile's descriptor).
 */

const cronSchema = z
  .string()
  .transform((text, ctx): CronSchedule => {
    const parsed = parseCron(text);
    if (typeof parsed === "string") {
      ctx.addIssue({ code: "custom", message: parsed, input: text });
      return z.NEVER;
    }
    return parsed;
  })
  .meta({ description: 'a 5-field cron expression over simulated time (t = 0 is a midnight), e.g. "*/5 * * * *"' });

export const scheduleSchema = z
  .strictObject({
    every: duration()
      .refine((micros) => micros > 0, { message: "an interval must be longer than 0" })
      .optional()
      .meta({ description: "a message every interval, the first one interval after t = 0 (BullMQ repeat every)" }),
    cron: cronSchema.optional(),
    missed: z.enum(["skip", "catchUp", "all"]).default("skip").meta({
      description:
        "ticks that pass while the producer is down: skip (cron), catchUp: one at restart for the latest (Kubernetes CronJob, systemd Persistent=true), all: every one at restart (Quartz IGNORE_MISFIRE_POLICY)",
    }),
  })
  .superRefine((schedule, ctx) => {
    if ((schedule.every === undefined) === (schedule.cron === undefined))
      ctx.addIssue({ code: "custom", message: "a schedule needs exactly one of every or cron" });
  })
  .meta({ description: "a recurring producer: one message per tick per instance, instead of rate or arrival" });

/** Fields a producer gains; spread into its schema. */
export const producerDelayFields = {
  delay: durationDistribution().optional().meta({
    description:
      "how long the broker holds each message back before it can be delivered (SQS DelaySeconds, a RabbitMQ delay queue, a BullMQ delayed job)",
  }),
  notBefore: duration().optional().meta({
    description: "no message of this producer is delivered before this time of the run (a scheduled message)",
  }),
  schedule: scheduleSchema.optional(),
};

/** The largest value a distribution can draw, or Infinity for one with an unbounded tail. */
function upperBound(distribution: Distribution): number {
  switch (distribution.dist) {
    case "constant":
      return distribution.value;
    case "uniform":
      return distribution.max;
    case "empirical":
      return Math.max(...distribution.values);
    default:
      return Number.POSITIVE_INFINITY;
  }
}

function formatSeconds(micros: number): string {
  return `${micros / 1e6} s`;
}

interface DelayScope {
  broker: { profile: string };
  producers: readonly { delay?: Distribution | undefined; notBefore?: number | undefined }[];
}

/** Delays the scenario's broker cannot give, as the broker would refuse them, with what to do instead. */
export function delayProblems(scenario: DelayScope): { path: (string | number)[]; message: string }[] {
  const facts = profileNamed(scenario.broker.profile).facts.delay;
  return scenario.producers.flatMap((producer, index) => {
    const problems: { path: (string | number)[]; message: string }[] = [];
    for (const field of ["delay", "notBefore"] as const) {
      if (producer[field] === undefined) continue;
      const path = ["producers", index, field];
      if (facts.mechanism === "none") {
        problems.push({ path, message: `${scenario.broker.profile} cannot delay a message: ${facts.refusal}` });
        continue;
      }
      const value = producer[field]!;
      const longest = typeof value === "number" ? value : upperBound(value);
      if (facts.maxMicros === null || longest <= facts.maxMicros) continue;
      const found = Number.isFinite(longest)
        ? `found ${formatSeconds(longest)}`
        : "found a distribution with no upper bound (use constant, uniform or empirical)";
      const why = field === "notBefore" ? " (a message published at the start would need that delay)" : "";
      problems.push({
        path,
        message: `${scenario.broker.profile} delays a message at most ${formatSeconds(facts.maxMicros)} (${facts.feature}), ${found}${why}`,
      });
    }
    return problems;
  });
}
