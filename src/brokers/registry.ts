import type { ProducerClientFactory } from "../model/producer-client.js";
import type { Broker, BrokerContext } from "./broker.js";
import type { BrokerSectionBase } from "./profile.js";
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
export function retiresMessages(spec: BrokerSpec): boolean {
  return profileNamed(spec.profile).retiresMessages === true;
}

/** Settings the profile adjusted as the real system would, each with a warning (path within `broker:`). */
export function brokerWarnings(spec: BrokerSpec): { path: (string | number)[]; message: string }[] {
  return profileNamed(spec.profile).warnings?.(spec) ?? [];
}
