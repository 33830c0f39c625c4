import type { Distribution } from "../random/distributions.js";
import { duration, durationDistribution } from "../units/quantities.js";

/**
 * The timing fields faults share, as users write them. Each fault has a start
 * (`at`, or `every` for random faults) and, where it makes sense, an end
 * (`for`, `restartAfter`). All faults end at the scenario's `duration`: the
 * run then heals and drains.
 */
export const startFields = {
  at: duration().optional().meta({ description: "when the fault starts; default 0" }),
  every: durationDistribution()
    .optional()
    .meta({ description: "random faults: time between one fault ending and the next starting" }),
  stableFor: duration()
    .prefault(0)
    .meta({ description: "random faults: at least this long between one fault ending and the next starting" }),
};

/** A fault that lasts a window: the start fields and `for`. */
export const windowFields = {
  ...startFields,
  for: duration()
    .refine((micros) => micros > 0, { message: "a fault window must last longer than 0" })
    .meta({ description: "how long the fault lasts" }),
};

/** When a fault's occurrences start (µs): once at `at`, or repeatedly with `every` after each one ends. */
export interface Timing {
  at: number;
  every: Distribution | null;
  stableFor: number;
}

export function timingOf(spec: {
  at?: number | undefined;
  every?: Distribution | undefined;
  stableFor: number;
}): Timing {
  return { at: spec.at ?? 0, every: spec.every ?? null, stableFor: spec.stableFor };
}
