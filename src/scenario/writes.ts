import * as z from "zod";
import { duration, durationDistribution } from "../units/quantities.js";
import { boundsOn } from "./patterns.js";

/**
 * `writes:` on a producer: the producer is a service that commits a state change to its own
 * database and must publish an event about it (docs/patterns.md#outbox). Each created message is
 * that event, committed when it is created; the mode says how it then reaches the broker.
 */
const commitField = durationDistribution().prefault("1ms").meta({
  description:
    "the commit's round trip: from the transaction being durable to the application going on. Dual write publishes only then (a crash in this window loses the event); the outbox relay's mark-sent commit takes as long",
});

const relaySchema = z
  .strictObject({
    pollInterval: duration()
      .refine((micros) => micros > 0, { message: "pollInterval must be longer than 0" })
      .prefault("100ms")
      .meta({ description: "wait between polls that found less than a full batch (a full batch polls again at once)" }),
    batchSize: z.number().int().positive().default(100).meta({ description: "most rows one poll publishes" }),
    confirmTimeout: duration().prefault("10s").meta({
      description: "how long the relay waits for a batch's confirms; unconfirmed rows stay unsent for a later poll",
    }),
  })
  .prefault({});

export const writesSchema = z.discriminatedUnion("mode", [
  z.strictObject({
    mode: z.literal("dual-write").meta({
      description: "commit, then publish from the application: a crash between the two loses the event",
    }),
    commit: commitField,
  }),
  z.strictObject({
    mode: z.literal("outbox").meta({
      description:
        "write the event to an outbox table in the same transaction; a relay in the producer's process polls, publishes, waits for confirms and marks rows sent (a crash before the mark publishes them again)",
    }),
    commit: commitField,
    relay: relaySchema,
  }),
]);

export type WritesSpec = z.output<typeof writesSchema>;

export const outboxFigureNames = [
  "committed",
  "published",
  "unpublished",
  "relayDuplicates",
  "backlogPeak",
  "backlogAtEnd",
  "lagMsP50",
  "lagMsP99",
  "lagMsMax",
] as const;

export const expectOutboxField = {
  outbox: z.record(z.string(), boundsOn(outboxFigureNames)).optional().meta({
    description: "bounds on a producer's writes (dual write or outbox), by producer: {orders: {unpublished: {max: 0}}}",
  }),
};

/**
 * `resendOnRestart` beside an outbox, expect.outbox naming neither a producer nor a stage with `writes:`, a
 * stage whose writes share a producer's name (both report under outbox.<name>), and a stage's writes on
 * Kafka with `commit: transactional` (its transaction already carries the onward messages).
 */
export function writesProblems(scenario: {
  producers: readonly { name: string; writes?: WritesSpec | undefined; publish: { resendOnRestart: boolean } }[];
  consumers?: readonly { group: string; writes?: WritesSpec | undefined }[];
  broker?: { profile: string; settings?: object | undefined };
  expect: { outbox?: object | undefined };
}): { path: (string | number)[]; message: string; candidates: string[] }[] {
  const problems: { path: (string | number)[]; message: string; candidates: string[] }[] = [];
  scenario.producers.forEach((producer, index) => {
    if (producer.writes?.mode === "outbox" && producer.publish.resendOnRestart)
      problems.push({
        path: ["producers", index, "publish", "resendOnRestart"],
        message:
          "resendOnRestart beside writes: {mode: outbox}: the relay already publishes again what a crash left unmarked; remove resendOnRestart",
        candidates: [],
      });
  });
  problems.push(...stageWritesProblems(scenario));
  const stages = (scenario.consumers ?? []).filter((c) => c.writes !== undefined).map((c) => c.group);
  const known = [...scenario.producers.filter((p) => p.writes !== undefined).map((p) => p.name), ...stages];
  for (const name of Object.keys(scenario.expect.outbox ?? {})) {
    if (known.includes(name)) continue;
    const list = known.length === 0 ? "there is none" : `known: ${known.join(", ")}`;
    problems.push({
      path: ["expect", "outbox", name],
      message: `"${name}" is not a producer or a stage with writes (${list})`,
      candidates: known,
    });
  }
  return problems;
}

function stageWritesProblems(scenario: Parameters<typeof writesProblems>[0]): ReturnType<typeof writesProblems> {
  const problems: ReturnType<typeof writesProblems> = [];
  const producersWithWrites = scenario.producers.filter((p) => p.writes !== undefined).map((p) => p.name);
  const settings = (scenario.broker?.settings ?? {}) as { commit?: string };
  const transactional = scenario.broker?.profile === "kafka" && settings.commit === "transactional";
  (scenario.consumers ?? []).forEach((consumer, index) => {
    if (consumer.writes === undefined) return;
    const path = ["consumers", index, "writes"];
    if (producersWithWrites.includes(consumer.group))
      problems.push({
        path,
        message: `group "${consumer.group}" and a producer of the same name both have writes: both would report under outbox.${consumer.group}; rename one`,
        candidates: [],
      });
    if (transactional)
      problems.push({
        path,
        message:
          "writes on a stage beside Kafka's commit: transactional: the consume-transform-produce transaction already commits the onward messages with the input's offsets; remove writes",
        candidates: [],
      });
  });
  return problems;
}
