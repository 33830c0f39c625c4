import { IntMap } from "../model/int-map.js";

/** Finished sagas' durations, each distinct duration (µs) once with how many sagas took it, ascending. */
export interface DurationDistribution {
  values: number[];
  counts: number[];
}

/** The largest key an IntMap holds (its keys are Int32, -1 marking an empty slot). */
const LARGEST_KEY = 2 ** 31 - 1;

/**
 * The durations of a saga's finished instances, as a count per distinct duration (docs/design.md, "Memory").
 * Durations are whole microseconds, so the distinct ones are bounded by the range of durations, not by the run's
 * length, and every figure read from them (nearest-rank percentiles, the mean) is the one the sorted list of
 * every duration gave. Adding one writes a typed array's slot: nothing is allocated but when the map grows.
 */
export class DurationTally {
  private readonly counts = new IntMap();
  /** Durations an Int32 key cannot hold (35 minutes or more, or not a whole non-negative µs): rare, kept apart. */
  private readonly outsized = new Map<number, number>();

  add(micros: number): void {
    if (Number.isInteger(micros) && micros >= 0 && micros < LARGEST_KEY)
      this.counts.set(micros, (this.counts.get(micros) ?? 0) + 1);
    else this.outsized.set(micros, (this.outsized.get(micros) ?? 0) + 1);
  }

  /** Each distinct duration ascending, with its count. */
  distribution(): DurationDistribution {
    const keys = [...this.counts.keys(), ...[...this.outsized.keys()].sort((a, b) => a - b)];
    const values = keys.sort((a, b) => a - b);
    const counts = values.map((value) => this.counts.get(value) ?? this.outsized.get(value)!);
    return { values, counts };
  }
}
