import type { ProducerClientFactory } from "../model/producer-client.js";
import type { Broker, BrokerContext } from "./broker.js";
import type { BrokerSectionBase, ConsumerBatching, ProducerBatching, RetirementConditions } from "./profile.js";
import { profileNamed } from "./profiles.js";

/** A scenario's `broker:` section, validated by its profile's schema. */
export type BrokerSpec = BrokerSectionBase;

/** Builds the broker a scenario names. Each profile validates its own section in the scenario schema. */
export function createBroker(spec: BrokerSpec, context: BrokerContext): Broker {
  return profileNamed(spec.profile).create(context, spec);
}

/** Unacked deliveries one consumer of the given concurrency may hold under this profile. */
export function consumerCapacity(spec: BrokerSpec, concurrency: number): number {
  return profileNamed(spec.profile).consumerCapacity(spec, concurrency);
}

/** How often a consumer heartbeats each delivery it holds under this profile (µs), or null for never. */
export function consumerHeartbeat(spec: BrokerSpec): number | null {
  return profileNamed(spec.profile).consumerHeartbeat?.(spec) ?? null;
}

/** The profile's producer client library, or null when producers send directly. */
export function producerClientFactory(spec: BrokerSpec): ProducerClientFactory | null {
  return profileNamed(spec.profile).producerClient?.(spec) ?? null;
}

/** Whether the profile applies `serviceTime` itself (see ProfileDefinition.servesPublishes). */
export function servesPublishes(spec: BrokerSpec): boolean {
  return profileNamed(spec.profile).servesPublishes === true;
}

/** Whether the run may retire messages the broker no longer holds (see ProfileDefinition.retiresMessages). */
export function retiresMessages(spec: BrokerSpec, run: RetirementConditions): boolean {
  const retires = profileNamed(spec.profile).retiresMessages;
  return typeof retires === "function" ? retires(spec, run) : retires === true;
}

/** Whether the profile's broker reaches stragglers as it reaches other messages (ProfileDefinition.visitsStragglers). */
export function visitsStragglers(spec: BrokerSpec): boolean {
  return profileNamed(spec.profile).visitsStragglers === true;
}

/** Settings the profile adjusted as the real system would, each with a warning (path within `broker:`). */
export function brokerWarnings(spec: BrokerSpec): { path: (string | number)[]; message: string }[] {
  return profileNamed(spec.profile).warnings?.(spec) ?? [];
}

/** How the profile's consumers take batches: its limits, or why it refuses them (ProfileDefinition.consumerBatches). */
export function consumerBatching(spec: BrokerSpec): ConsumerBatching {
  return profileNamed(spec.profile).consumerBatches?.(spec) ?? {};
}

/** Unacked deliveries one batch consumer may hold: one batch per worker unless the profile says otherwise. */
export function batchConsumerCapacity(spec: BrokerSpec, size: number, concurrency: number): number {
  const batching = consumerBatching(spec);
  if (!("refused" in batching) && batching.capacity !== undefined) return batching.capacity(size, concurrency);
  return consumerCapacity(spec, size * concurrency);
}

/** How the profile's producers may send batches: its limits, or why it refuses them (ProfileDefinition.producerBatches). */
export function producerBatching(spec: BrokerSpec): ProducerBatching {
  return profileNamed(spec.profile).producerBatches?.(spec) ?? {};
}
