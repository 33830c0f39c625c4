import * as z from "zod";
import type { fifoSchema } from "../brokers/fifo/profile.js";
import { profiles } from "../brokers/profiles.js";
import { faultSchema } from "../faults/schema.js";
import type { KeyChoice } from "../random/keys.js";
import { duration, durationDistribution, rate, size, sizeDistribution } from "../units/quantities.js";
import { batchSchema, expectBatchesSchema, publishBatchSchema } from "./batching.js";
import { producerDelayFields } from "./delays.js";
import { expectFlowsFields, gatherSchema, maxHopsSchema, publishToSchema } from "./flows.js";
import {
  breakersSchema,
  dependenciesSchema,
  expectPatternsFields,
  rateLimitSchema,
  retrySchema,
  stepsSchema,
} from "./patterns.js";
import { prioritySchema } from "./priority.js";
import { redriveSchema } from "./redrive.js";
import { expectRequestsField, requestSchema } from "./requests.js";
import { bindingsSchema, routingKeySchema } from "./routing-key.js";
import { expectSagasField, sagasSchema } from "./sagas.js";
import { expectScheduleFields } from "./schedule-bounds.js";
import { expectOutboxField, writesSchema } from "./writes.js";

/**
 * The scenario file format. Parsing a file through this schema validates it,
 * converts every unit to base units and fills every default, so the rest of
 * the code only ever sees a complete `Scenario`.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const nameField = (what: string) =>
  z
    .string()
    .regex(NAME, { message: `${what} must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit` });

/** Fault kinds `queuesim explore` can place (poison is a whole-run property of messages, not an event). */
export const EXPLORABLE_FAULT_KINDS = [
  "consumer-crash",
  "consumer-stop",
  "producer-crash",
  "broker-crash",
  "partition",
  "duplicate",
  "slow-consumer",
  "latency",
  "loss",
] as const;

const count = (description: string) => z.number().int().positive().meta({ description });

const phaseSchema = z
  .strictObject({
    for: duration().meta({ description: "length of this phase" }),
    rate: rate().optional().meta({ description: "a flat rate for the whole phase" }),
    from: rate().optional().meta({ description: "ramp: rate at the start of the phase" }),
    to: rate().optional().meta({ description: "ramp: rate at the end of the phase" }),
  })
  .superRefine((phase, ctx) => {
    const ramp = phase.from !== undefined || phase.to !== undefined;
    if (phase.rate !== undefined && ramp) {
      ctx.addIssue({ code: "custom", message: "give either rate, or from and to (a ramp), not both" });
    } else if (!ramp && phase.rate === undefined) {
      ctx.addIssue({ code: "custom", message: "a phase needs a rate, or from and to (a ramp)" });
    } else if (ramp && (phase.from === undefined || phase.to === undefined)) {
      ctx.addIssue({ code: "custom", message: "a ramp needs both from and to" });
    }
  });

const arrivalSchema = z
  .strictObject({
    process: z.enum(["poisson", "constant"]).default("poisson").meta({
      description: "poisson: independent exponential gaps; constant: evenly spaced",
    }),
    rate: rate().optional().meta({ description: "a steady rate per producer instance" }),
    phases: z
      .array(phaseSchema)
      .min(1)
      .optional()
      .meta({ description: "a rate schedule: flat phases, ramps, spikes, on/off" }),
    repeat: z.boolean().default(false).meta({ description: "restart the phases after the last one" }),
  })
  .superRefine((arrival, ctx) => {
    if ((arrival.rate === undefined) === (arrival.phases === undefined)) {
      ctx.addIssue({ code: "custom", message: "arrival needs exactly one of rate or phases" });
    }
  });

const keysSchema = z.union([
  z.literal("none"),
  z.strictObject({
    count: count("number of distinct keys"),
    dist: z.enum(["uniform", "zipf"]).default("uniform"),
    s: z.number().positive().default(1).meta({ description: "zipf exponent; larger = hotter hot keys" }),
  }),
]);

const producerSchema = z
  .strictObject({
    name: nameField("a producer name"),
    instances: count("independent producer instances, each with its own arrivals").default(1),
    rate: rate().optional().meta({ description: "shorthand for arrival: {process: poisson, rate}; per instance" }),
    arrival: arrivalSchema.optional(),
    keys: keysSchema.default("none"),
    size: sizeDistribution().prefault("1KB").meta({ description: "message size" }),
    priority: prioritySchema.optional(),
    routingKey: routingKeySchema.optional(),
    limit: count("stop after this many messages per instance").optional(),
    publish: z
      .strictObject({
        timeout: duration()
          .nullable()
          .default(null)
          .meta({ description: "how long the client waits for a confirm; null waits forever and never retries" }),
        retries: z.number().int().min(0).default(0).meta({ description: "resends after a timeout before giving up" }),
        backoff: duration().prefault("100ms").meta({ description: "wait before each resend" }),
        resendOnRestart: z.boolean().default(false).meta({
          description:
            "after a crash, the restarted application sends again what it had not seen confirmed (an outbox, or a source re-read from its last checkpoint): nothing is given up, and what the broker had already taken may be taken twice",
        }),
      })
      .prefault({})
      .meta({ description: "the producer client's confirm handling: timeouts and retries (which can publish twice)" }),
    batch: publishBatchSchema.optional(),
    rateLimit: rateLimitSchema.optional().meta({
      description:
        "a client-side rate limit in front of the publish call: each message waits for a permit (scope group: all the producer's instances share it)",
    }),
    writes: writesSchema.optional().meta({
      description:
        "each message is the event of a state change committed to the producer's database: dual write (commit, then publish) or a transactional outbox with a polling relay",
    }),
    ...producerDelayFields,
    request: requestSchema.optional().meta({
      description:
        "the producer is a requester: each message is a request a responder group answers through a reply queue, with a client timeout, retries and a bound on requests in flight",
    }),
  })
  .superRefine((producer, ctx) => {
    const given = [producer.rate, producer.arrival, producer.schedule].filter((field) => field !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({ code: "custom", message: "a producer needs exactly one of rate, arrival or schedule" });
    }
  });

const idempotencySchema = z.discriminatedUnion("strategy", [
  z.strictObject({ strategy: z.literal("none").meta({ description: "every delivery applies the side effect" }) }),
  z.strictObject({
    strategy: z.literal("dedup-store").meta({
      description: "record processed ids after the side effect; a crash in between repeats the effect",
    }),
    ttl: duration().nullable().default(null).meta({ description: "how long an id is remembered; null = forever" }),
    capacity: count("ids remembered at most; the oldest is forgotten first").nullable().default(null),
  }),
  z.strictObject({
    strategy: z.literal("transactional").meta({ description: "side effect and id commit atomically (inbox table)" }),
  }),
  z.strictObject({
    strategy: z.literal("natural").meta({ description: "the effect is idempotent by construction (an upsert)" }),
  }),
]);

const consumerSchema = z
  .strictObject({
    group: nameField("a consumer group name"),
    instances: count("consumer instances in the group, competing for its messages").default(1),
    concurrency: count("messages one instance processes at once").default(1),
    processing: durationDistribution()
      .optional()
      .meta({ description: "time to process one message (required unless steps are given)" }),
    idempotency: idempotencySchema.prefault({ strategy: "none" }),
    bindings: bindingsSchema.optional(),
    steps: stepsSchema.optional(),
    retry: retrySchema.optional(),
    breakers: breakersSchema.optional(),
    rateLimit: rateLimitSchema.optional(),
    redrive: redriveSchema.optional(),
    publishTo: publishToSchema.optional(),
    gather: gatherSchema.optional().meta({ description: "fan-in: wait for this many parts of one root message" }),
    maxHops: maxHopsSchema.optional(),
    writes: writesSchema.optional().meta({
      description:
        "a stage's onward messages are events of its side effect's transaction: dual write (commit, then publish) or a transactional outbox with a relay in each instance's process (docs/patterns.md, \"Stages through an outbox\")",
    }),
    batch: batchSchema.optional(),
    broker: nameField("a broker name").optional().meta({
      description:
        "the broker this group's queue or topic lives on: a name from brokers:, or main (the default, the broker: section)",
    }),
  })
  .superRefine((consumer, ctx) => {
    if (consumer.processing === undefined && consumer.steps === undefined)
      // Worded like any other missing field, so a misspelt "procesing" is reported once, as unknown.
      ctx.addIssue({ code: "invalid_type", expected: "object", input: undefined, path: ["processing"] });
  });

type BrokerSchema = ReturnType<typeof fifoSchema>;

/** A profile the data does not name, as the union sees it: only its `profile` literal. */
const standIns = new Map<string, z.ZodType>();
function standInFor(name: string): z.ZodType {
  let standIn = standIns.get(name);
  if (standIn === undefined) {
    standIn = z.strictObject({ profile: z.literal(name) });
    standIns.set(name, standIn);
  }
  return standIn;
}

/**
 * The `broker:` section: one shape per profile, told apart by `profile`. A profile that `built` leaves out
 * stands in as its `profile` literal alone: the union parses with the shape of the profile the data names,
 * so it never parses with a stand-in, and the list of profiles an unknown one is told of stays whole.
 */
function brokerUnion(built: (profile: string) => boolean) {
  return z.discriminatedUnion(
    "profile",
    profiles.map((p) => (built(p.name) ? p.schema : standInFor(p.name))) as unknown as [
      BrokerSchema,
      ...BrokerSchema[],
    ],
  );
}

const latencyBoundsSchema = z.strictObject({
  mean: duration().optional(),
  p50: duration().optional(),
  p95: duration().optional(),
  p99: duration().optional(),
  max: duration().optional(),
});

const expectSchema = z.strictObject({
  delivery: z.enum(["at-most-once", "at-least-once", "exactly-once"]).optional().meta({
    description: "at-most-once: nothing duplicated; at-least-once: nothing lost; exactly-once: both",
  }),
  ordering: z
    .enum(["per-key", "per-producer", "fifo", "per-partition", "per-group", "none"])
    // fifo and per-group are the names SQS users know: the same scopes as per-producer and per-partition.
    .transform((scope) => (scope === "fifo" ? "per-producer" : scope === "per-group" ? "per-partition" : scope))
    .optional()
    .meta({
      description:
        "per-key: messages with the same key from one producer instance are consumed in publish order; per-producer (or fifo): all of an instance's messages are; per-partition (or per-group, SQS FIFO message groups): all messages of a partition are, in the order the broker accepted them",
    }),
  sideEffects: z.enum(["exactly-once"]).optional().meta({
    description: "no message's side effect is applied twice in a group (naturally idempotent effects excepted)",
  }),
  latency: latencyBoundsSchema.optional().meta({ description: "upper bounds on end-to-end latency" }),
  queueWait: latencyBoundsSchema.optional().meta({ description: "upper bounds on time waiting in the broker" }),
  backpressure: z
    .strictObject({
      maxDepth: z.number().int().min(0).optional().meta({ description: "most messages waiting in any queue" }),
      maxLag: z
        .number()
        .int()
        .min(0)
        .optional()
        .meta({ description: "most accepted messages a consumer group may have left to consume" }),
      blocked: duration().optional().meta({ description: "most time publishers may be blocked in all" }),
      rejected: z.number().int().min(0).optional().meta({ description: "most publishes the broker may refuse" }),
    })
    .optional(),
  throughput: z.strictObject({ min: rate().meta({ description: "least consumed messages per second" }) }).optional(),
  ...expectPatternsFields,
  ...expectOutboxField,
  ...expectFlowsFields,
  ...expectSagasField,
  ...expectRequestsField,
  batches: expectBatchesSchema,
  ...expectScheduleFields,
});

const leadingFields = {
  $schema: z.string().optional(),
  name: nameField("the scenario name"),
  description: z.string().optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(1),
  duration: duration()
    .refine((micros) => micros > 0, { message: "duration must be longer than 0" })
    .meta({ description: "producers stop at this time; consumers then drain" }),
  warmup: z
    .union([z.literal("auto"), duration()])
    .prefault(0)
    .meta({
      description:
        'latency samples of messages published before this time are discarded (start-up transient); "auto" picks it by MSER-5',
    }),
  drainTimeout: duration().prefault("60s").meta({ description: "how long consumers may drain after duration" }),
};

const trailingFields = {
  network: z
    .strictObject({
      latency: durationDistribution().prefault(0).meta({ description: "one-way delay of every network hop" }),
    })
    .prefault({ latency: 0 }),
  producers: z.array(producerSchema).min(1),
  dependencies: dependenciesSchema,
  consumers: z.array(consumerSchema).min(1),
  sagas: sagasSchema,
  faults: z.array(faultSchema).default([]),
  expect: expectSchema.prefault({}),
  compare: z
    .strictObject({
      profiles: z
        .array(z.string())
        .min(1)
        .optional()
        .meta({ description: "profiles `queuesim compare` runs when --profiles is not given" }),
      brokers: z
        .record(z.string(), z.record(z.string(), z.unknown()))
        .default({})
        .meta({ description: "per profile: the broker section to use (partitions, serviceTime, settings)" }),
    })
    .optional()
    .meta({ description: "how `queuesim compare` varies the broker; ignored by `queuesim run`" }),
  sweep: z
    .strictObject({
      params: z
        .record(z.string(), z.union([z.string(), z.array(z.union([z.string(), z.number()]))]))
        .meta({ description: 'parameter path → values: "2..12", "2..12:2" or a list' }),
      replications: count("replications per point").default(1),
    })
    .optional()
    .meta({ description: "what `queuesim sweep` varies when no --param is given; ignored by `queuesim run`" }),
  explore: z
    .strictObject({
      faults: z.array(z.enum(EXPLORABLE_FAULT_KINDS)).min(1).optional().meta({
        description:
          "fault kinds to search; default consumer-crash, consumer-stop, producer-crash, broker-crash, partition, duplicate",
      }),
      maxFaults: count("faults in one plan, at most").default(2),
      runs: count("fault plans to try").default(100),
      shrinkRuns: count("runs the shrinking may spend").default(300),
      within: duration()
        .optional()
        .meta({ description: "faults start within this time of the start; default the whole duration" }),
      longest: duration()
        .optional()
        .meta({ description: "fault windows and restarts last at most this; default the duration" }),
    })
    .optional()
    .meta({ description: "what `queuesim explore` searches, and its budget; ignored by `queuesim run`" }),
  limits: z
    .strictObject({
      maxEvents: count(
        "stop with an error after this many events; a scenario estimated to need more is refused up front",
      ).default(500_000_000),
      maxInstances: count("most producer and consumer instances, all groups together").default(10_000),
      maxPartitions: count("most partitions (kafka)").default(10_000),
      maxKeys: count("most distinct keys of one producer").default(1_000_000),
      maxFaultOccurrences: count(
        "most occurrences of random faults, by estimate: each is listed in summary.json and drawn on the charts",
      ).default(10_000),
      maxRuns: count(
        "most simulations one command starts: replications, sweep points × replications, profiles × replications",
      ).default(10_000),
      maxMemory: z
        .union([size(), z.literal("auto")])
        .default("auto")
        .meta({
          description:
            'stop with an error when a run\'s memory (JavaScript heap and buffers) grows past this; "auto" is 75% of the V8 heap limit',
        }),
    })
    .prefault({}),
};

/**
 * The scenario object around a `broker:` union; `furtherBroker` is the same union for each broker of
 * `brokers:`, its own instance so the JSON Schema can point at `broker`'s definition instead of repeating
 * every profile's settings (src/scenario/json-schema.ts).
 */
function scenarioObject(broker: ReturnType<typeof brokerUnion>, furtherBroker: ReturnType<typeof brokerUnion>) {
  return z.strictObject({
    ...leadingFields,
    broker,
    brokers: z.record(nameField("a broker name"), furtherBroker).optional().meta({
      description:
        'further brokers, by name, each shaped like broker: (its own profile, settings and state); a group lives on one with broker: <name>, and stages publish to it (docs/patterns.md, "A second broker")',
    }),
    ...trailingFields,
  });
}

export type ScenarioSchema = ReturnType<typeof scenarioObject>;

/** The scenario schema whose `broker:` union holds the shapes of the profiles `built` names (see brokerUnion). */
export function scenarioSchemaWith(built: (profile: string) => boolean): {
  scenario: ScenarioSchema;
  furtherBroker: ReturnType<typeof brokerUnion>;
} {
  const broker = brokerUnion(built);
  const furtherBroker = broker.meta({ description: "a further broker, shaped like broker:" });
  return { scenario: scenarioObject(broker, furtherBroker), furtherBroker };
}

const byProfiles = new Map<string, ScenarioSchema>();

/**
 * The schema that validates `data`: with the shapes of the profiles its `broker:` and `brokers:` name, and
 * stand-ins for the others, so validating a scenario builds one profile's schema rather than all eleven (the
 * settings of every profile took about a tenth of `queuesim validate`). It finds exactly what the schema with
 * every profile (src/scenario/full-schema.ts) finds: the union picks a shape by `profile`, which here is
 * always a profile built or one unknown to both.
 */
export function scenarioSchemaFor(data: unknown): ScenarioSchema {
  const named = namedProfiles(data);
  const key = profiles
    .filter((p) => named.has(p.name))
    .map((p) => p.name)
    .join(" ");
  let schema = byProfiles.get(key);
  if (schema === undefined) {
    schema = scenarioSchemaWith((profile) => named.has(profile)).scenario;
    byProfiles.set(key, schema);
  }
  return schema;
}

/** Every `profile` value in `broker:` and in each broker of `brokers:`, read where the schema reads them. */
function namedProfiles(data: unknown): Set<unknown> {
  const fields = (value: unknown) =>
    typeof value === "object" && value !== null ? (value as Record<PropertyKey, unknown>) : {};
  const named = new Set<unknown>([fields(fields(data).broker).profile]);
  const further = fields(fields(data).brokers);
  for (const key of Reflect.ownKeys(further)) named.add(fields(further[key]).profile);
  return named;
}

/**
 * Producer names and consumer group names must be unique. Checked on the raw
 * data rather than in the schema, so it is reported alongside every other problem.
 */
export function duplicateNames(data: unknown): { path: (string | number)[]; message: string }[] {
  const found: { path: (string | number)[]; message: string }[] = [];
  const record = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  for (const [list, field] of [
    ["producers", "name"],
    ["consumers", "group"],
  ] as const) {
    const items = record[list];
    if (!Array.isArray(items)) continue;
    const firstIndex = new Map<unknown, number>();
    items.forEach((item, index) => {
      const name = (item as Record<string, unknown> | null)?.[field];
      if (typeof name !== "string") return;
      const first = firstIndex.get(name);
      if (first === undefined) firstIndex.set(name, index);
      else
        found.push({
          path: [list, index, field],
          message: `"${name}" is already used by ${list}[${first}]; names must be unique`,
        });
    });
  }
  return found;
}

export type ScenarioInput = z.input<ScenarioSchema>;
export type ParsedScenario = z.output<ScenarioSchema>;
export type KeysInput = z.output<typeof keysSchema>;

export function keyChoice(keys: KeysInput): KeyChoice {
  return keys === "none"
    ? { dist: "none" }
    : keys.dist === "zipf"
      ? { dist: "zipf", count: keys.count, s: keys.s }
      : { dist: "uniform", count: keys.count };
}
