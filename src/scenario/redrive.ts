import * as z from "zod";
import { profileNamed, profiles } from "../brokers/profiles.js";
import type { RedriveSpec } from "../patterns/redrive.js";
import { duration, rate } from "../units/quantities.js";

/**
 * A consumer group's `redrive:` list: scheduled moves of its dead-letter queue back to its queue.
 * Parsed into src/patterns/redrive.ts's RedriveSpec. See docs/patterns.md#dlq-redrive.
 */
const redriveActionSchema = z
  .strictObject({
    at: duration().meta({ description: "when the move starts, from the start of the run" }),
    max: z.number().int().positive().nullable().default(null).meta({
      description: "moves at most this many, oldest dead-lettered first; null: all the DLQ holds when it starts",
    }),
    rate: rate()
      .nullable()
      .default(null)
      .meta({ description: "messages moved per second (SQS MaxNumberOfMessagesPerSecond); null: all at once" }),
  })
  .transform((action): RedriveSpec => ({ at: action.at, max: action.max, ratePerSecond: action.rate }))
  .meta({ description: "one move of the group's dead-letter queue back to its queue" });

export const redriveSchema = z.array(redriveActionSchema).min(1).meta({
  description:
    "DLQ redrives: scheduled moves of what the group dead-lettered (by the broker or its retry policy) back to its queue, as redeliveries",
});

/** What the redrive checks read of a parsed scenario. */
interface RedriveScope {
  duration: number;
  drainTimeout: number;
  broker: { profile: string };
  consumers: readonly { redrive?: readonly RedriveSpec[] | undefined }[];
}

/** Redrives on a profile that has none, and redrives scheduled after the run ends. */
export function redriveProblems(scenario: RedriveScope): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const supported = profileNamed(scenario.broker.profile).redrive !== undefined;
  const horizon = scenario.duration + scenario.drainTimeout;
  scenario.consumers.forEach((consumer, group) => {
    if (consumer.redrive === undefined) return;
    if (!supported) {
      problems.push({
        path: ["consumers", group, "redrive"],
        message: `the ${scenario.broker.profile} profile does not model a DLQ redrive (profiles that do: ${redriveProfiles().join(", ")})`,
      });
      return;
    }
    consumer.redrive.forEach((action, index) => {
      if (action.at >= horizon)
        problems.push({
          path: ["consumers", group, "redrive", index, "at"],
          message: `the redrive starts at or after the run ends (duration + drainTimeout = ${horizon / 1_000_000} s): it would never run`,
        });
    });
  });
  return problems;
}

function redriveProfiles(): string[] {
  return profiles.filter((profile) => profile.redrive !== undefined).map((profile) => profile.name);
}
