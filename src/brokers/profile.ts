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
  /** The profile's client library in each producer instance (buffering, retries, blocking), if it models one. */
  producerClient?(section: Section): ProducerClientFactory;
  /**
   * How often (µs) a consumer sends the broker a heartbeat for each delivery it holds, from receive to
   * ack or nack, or null for none. The broker hears them through `Broker.heartbeat`.
   */
  consumerHeartbeat?(section: Section): number | null;
}

/** Fields every profile's `broker:` section has. */
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

/** Helps TypeScript check a profile definition against its own section type. */
export function defineProfile<Section extends BrokerSectionBase>(definition: ProfileDefinition<Section>) {
  return definition as unknown as ProfileDefinition;
}
