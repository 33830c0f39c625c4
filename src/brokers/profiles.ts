import { bullmqProfile } from "./bullmq/profile.js";
import { fifoProfile } from "./fifo/profile.js";
import { kafkaProfile } from "./kafka/profile.js";
import type { ProfileDefinition } from "./profile.js";
import { rabbitmqProfile, rabbitmqQuorumProfile } from "./rabbitmq/profile.js";
import { pubsubProfile, redisListProfile, reliableListProfile, streamsProfile } from "./redis/profiles.js";
import { sqsFifoProfile, sqsProfile } from "./sqs/profile.js";

/** Every broker profile users can name in `broker.profile`, in the order docs list them. */
export const profiles: readonly ProfileDefinition[] = [
  fifoProfile,
  rabbitmqProfile,
  rabbitmqQuorumProfile,
  sqsProfile,
  sqsFifoProfile,
  kafkaProfile,
  redisListProfile,
  reliableListProfile,
  streamsProfile,
  pubsubProfile,
  bullmqProfile,
];

export function profileNamed(name: string): ProfileDefinition {
  const profile = profiles.find((p) => p.name === name);
  if (!profile) throw new Error(`invariant: unknown broker profile "${name}" passed validation`);
  return profile;
}
