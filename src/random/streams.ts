import seedrandom from "seedrandom";

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * Named random streams derived from one scenario seed.
 *
 * Each component draws from its own stream, seeded by the scenario seed and
 * the component's stable name (e.g. `producer:checkout#1`), so adding or
 * removing one component never shifts another's draws. Alea is among
 * seedrandom's fastest generators and passes the usual statistical batteries.
 */
export class RandomStreams {
  private readonly issued = new Set<string>();

  constructor(readonly seed: number) {}

  /** Returns the stream for `name`; each name may be taken once per run. */
  stream(name: string): Rng {
    if (this.issued.has(name)) {
      throw new Error(`random stream "${name}" was requested twice; streams must have one owner`);
    }
    this.issued.add(name);
    return streamFor(this.seed, name);
  }
}

/** The stream for a seed and name, without the single-owner bookkeeping. */
export function streamFor(seed: number, name: string): Rng {
  return seedrandom.alea(`${seed}\u0000${name}`);
}
