import { fifoProfile } from "./fifo/profile.js";
import type { ProfileDefinition } from "./profile.js";

/** Every broker profile users can name in `broker.profile`, in the order docs list them. */
export const profiles: readonly ProfileDefinition[] = [fifoProfile];

export function profileNamed(name: string): ProfileDefinition {
  const profile = profiles.find((p) => p.name === name);
  if (!profile) throw new Error(`invariant: unknown broker profile "${name}" passed validation`);
  return profile;
}
