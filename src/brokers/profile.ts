import * as z from "zod";
import type { ProducerClientFactory } from "../model/producer-client.js";
import { durationDistribution } from "../units/quantities.js";
import type { Broker, BrokerContext } from "./broker.js";

/**
 * Everything the rest of queuesim needs to know about one broker profile: the
 * name users write, the schema of its `broker:` section (its settings, named as
 * the real broker names them), and how to build it. Profiles are listed in
 * profiles.ts; nothing else needs to change to add one.
 */
export interface ProfileDefinition<Section extends BrokerSectionBase = BrokerSectionBase> {
  name: string;
  /** One line for `queuesim` help and the JSON Schema. */
  summary: string;
  /** The whole `broker:` section for this profile; `profile` must be a literal of `name`. */
  schema: z.ZodType<Section, unknown>;
  create(context: BrokerContext, section: Section): Broker;
  /** Unacked deliveries a consumer with this concurrency may hold (its prefetch, poll batch, ...). */
  consumerCapacity(section: Section, concurrency: number): number;
  /**
   * How this profile's consumers take and settle a batch (a group's `batch:`); absent: any size, each
   * worker holding one batch. Read by validation (limits, refusals) and by the build (capacity).
   */
  consumerBatches?(section: Section): ConsumerBatching;
  /** How this profile's producers may send batches (a producer's `batch:`); absent: any size, no byte cap. */
  producerBatches?(section: Section): ProducerBatching;
  /** The profile's client library in each producer instance (buffering, retries, blocking), if it models one. */
  producerClient?(section: Section): ProducerClientFactory;
  /**
   * How often (µs) a consumer sends the broker a heartbeat for each delivery it holds, from receive to
   * ack or nack, or null for none. The broker hears them through `Broker.heartbeat`.
   */
  consumerHeartbeat?(section: Section): number | null;
  /**
   * True when the broker does the per-publish work (`serviceTime`) itself, by its own model of servers;
   * the run then hands it publishes as they arrive. Otherwise one server does it for the whole broker.
   */
  servesPublishes?: boolean;
  /**
   * True when `Broker.forEachHeld` (with `Broker.oldestRead`, if the profile has it) visits every message the
   * broker may still read or change (queued, in flight, anything a timer or a crash could bring back). The
   * run may then retire the others' rows from the message table, keeping memory bounded by what is in flight
   * (docs/design.md, "Memory"). A function decides per run, for a profile that can say so only for some
   * settings or some runs; leave it unset when the profile keeps ids it does not report.
   */
  retiresMessages?: boolean | ((section: Section, run: RetirementConditions) => boolean);
  /**
   * True when the broker reaches a **straggler** wherever it reaches a message: every row it reads goes through
   * `MessageTable.slot`, and what scans the table for held messages visits `MessageTable.stragglerIds` as well as
   * the ids from the base on. A retiring run whose brokers all say so may retire the messages around one that is
   * held long (a dead letter, a record in a retry topic, a stuck saga's last step) instead of pinning the
   * watermark behind it (docs/design.md, "Memory").
   */
  visitsStragglers?: true;
  /**
   * Settings the profile adjusts as the real client or broker would, each with a warning for the user
   * (path within the `broker:` section). The scenario still runs; the CLI shows them.
   */
  warnings?(section: Section): { path: (string | number)[]; message: string }[];
  /**
   * Broker nodes the profile models, each of which a fault can crash alone (target broker/2). Without it the
   * profile is one node, which faults name only as `broker`.
   */
  nodes?(section: Section): number;
  /**
   * The real feature a DLQ redrive (a consumer group's `redrive:`) mirrors on this profile, for docs and
   * errors; the broker implements `Broker.redrive`. Absent: the profile has no redrive, and validation
   * refuses one.
   */
  redrive?: string;
  /**
   * The real feature a broker-delayed retry (a group's `retry: {via: broker}`) mirrors on this profile, for
   * docs and errors; the broker implements `Broker.retryLater`. Absent: validation refuses `via: broker`.
   */
  brokerRetry?: string;
  /**
   * The delay a message gets when its producer declares none (µs), a queue-level delay such as SQS's
   * `DelaySeconds` that a per-message delay replaces, and the section without it: the run then applies
   * it with the per-message delays. Only asked when some producer declares a delay.
   */
  defaultDelay?(section: Section): { delay: number; rest: Section };
  /** What the profile promises, stated once: the contract suite and the docs' table read it. */
  facts: ProfileFacts;
  /**
   * True when the profile gives each pipeline stage its own queue (`publishTo`): it enqueues a message only
   * for groups it is addressed to, skipping those the run marked not routed before the publish arrived.
   */
  routesStages?: boolean;
  /** Why a profile that does not route stages refuses `publishTo`, when there is more to say than "not yet". */
  stagesRefusal?: string;
}

/**
 * A profile's rule for batch consumers (docs/patterns.md, "Batching"):
 * - `refused`: the real client has no batches; the sentence says why and what to do instead;
 * - `maxSize`: the most messages one batch may hold, and the setting or API limit behind it;
 * - `oneWorker`: why a batch consumer must have concurrency 1 (a batch is one poll, processed in the poll loop);
 * - `capacity`: the unacked deliveries a batch consumer may hold; absent: the profile's `consumerCapacity`
 *   for `size × concurrency` (one batch in hand per worker).
 */
export type ConsumerBatching =
  | { refused: string }
  | {
      maxSize?: { size: number; because: string };
      oneWorker?: string;
      capacity?: (size: number, concurrency: number) => number;
    };

/**
 * A profile's rule for batching producers: `refused` (the profile batches by itself, or has no batch call),
 * or the most entries (`maxSize`) and bytes (`maxBytes`) one batch request may carry, and why.
 */
export type ProducerBatching =
  | { refused: string }
  | { maxSize?: { size: number; because: string }; maxBytes?: { bytes: number; because: string } };

/**
 * A profile's promises and features, in one place. The broker contract suite checks them
 * (test/brokers/contract.test.ts) and docs/brokers.md shows them in its table (checked by test/docs/).
 */
export interface ProfileFacts {
  /**
   * The order one consumer per group sees when nothing fails: each producer's publish order
   * (`per-producer`), the order within a partition or message group (`per-partition`), or no promise.
   */
  ordering: "per-producer" | "per-partition" | "none";
  /**
   * Whether the broker keeps a message it sent until the consumer settles it (`until-settled`: a crashed
   * or stopped consumer's deliveries come back), or forgets it once sent (`on-send`: a list pop, a
   * pub/sub push; what the consumer held is gone with it).
   */
  keepsSent: "until-settled" | "on-send";
  /** Every consumer instance of a group receives every message (pub/sub), instead of sharing them. */
  everyConsumerGetsAll: boolean;
  /** Delivers higher message priorities first. */
  priorities: boolean;
  /** Routes by routing key to the groups whose bindings match (exchanges); others give every group every message. */
  routing: boolean;
  /** Spreads a group's messages over `partitions` (more than one allowed). */
  partitions: boolean;
  /** How the broker learns that a consumer died, in a few words, for the docs' table. */
  crashDetection: string;
  /** How the broker holds back a message published with a delay (a producer's `delay` or `notBefore`). */
  delay: DelayFacts;
}

/**
 * A broker's own way of delaying a message, stated once: validation refuses what the broker cannot do
 * with the reason it gives, and the run holds delayed messages by the mechanism named here.
 * - `timer`: each message becomes visible when its own delay ends (SQS DelaySeconds, BullMQ's delayed set);
 * - `head-of-line`: a delay queue whose messages expire by TTL and are dead-lettered into the work queue,
 *   but only from the queue's head, so a long delay holds back shorter ones behind it (RabbitMQ);
 * - `none`: the broker cannot delay a message; `refusal` says so and names the alternatives.
 */
export type DelayFacts =
  | { mechanism: "timer" | "head-of-line"; feature: string; maxMicros: number | null }
  | { mechanism: "none"; refusal: string };

const noDelay: DelayFacts = {
  mechanism: "none",
  refusal: "this broker has no delayed delivery; the alternative is a scheduler in front of the producer",
};

/**
 * A profile's facts with the defaults most share: it keeps what it sent until settled, consumers share a
 * group's messages, and it has no priorities, routing or partitions. Give the order, the crash detection
 * and whatever differs.
 */
export function profileFacts(
  facts: Pick<ProfileFacts, "ordering" | "crashDetection"> & Partial<ProfileFacts>,
): ProfileFacts {
  return {
    delay: noDelay,
    keepsSent: "until-settled",
    everyConsumerGetsAll: false,
    priorities: false,
    routing: false,
    partitions: false,
    ...facts,
  };
}

/** Fields every profile's `broker:` section has. */
/** What a run does that a profile's `retiresMessages` may depend on. */
export interface RetirementConditions {
  /** The run's last instant, duration + drainTimeout (µs). */
  horizon: number;
  /** Some fault crashes the broker or one of its nodes (a failover may then cut logs back). */
  brokerCrashes: boolean;
}

export interface BrokerSectionBase {
  profile: string;
  partitions: number;
  serviceTime: import("../random/distributions.js").Distribution;
  settings: object;
}

/** Builds a profile's `broker:` schema from its settings schema, with the fields every profile shares. */
export function brokerSection<Name extends string, Settings extends z.ZodType>(
  name: Name,
  summary: string,
  settings: Settings,
  partitions: z.ZodType<number, unknown> = z
    .literal(1)
    .default(1)
    .meta({ description: `${name} has one queue per group` }),
) {
  return z.strictObject({
    profile: z.literal(name).meta({ description: summary }),
    partitions,
    serviceTime: durationDistribution()
      .prefault(0)
      .meta({ description: "broker work per publish, done one at a time (a single broker thread)" }),
    settings,
  });
}

/**
 * Helps TypeScript check a profile definition against its own section type. `schema` is given as its builder
 * (src/units/built-once.ts) and read as a property: a profile's schema is built the first time it is read,
 * so start-up builds only the schema of the profile a scenario names.
 */
export function defineProfile<Section extends BrokerSectionBase>(
  definition: Omit<ProfileDefinition<Section>, "schema"> & { schema: () => z.ZodType<Section, unknown> },
): ProfileDefinition {
  const { schema, ...rest } = definition;
  return Object.defineProperty(rest, "schema", { get: schema, enumerable: true }) as unknown as ProfileDefinition;
}
