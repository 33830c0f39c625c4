import type { Rng } from "./streams.js";

/**
 * Arrival processes driven by a piecewise-linear rate schedule.
 *
 * Both processes share one mechanism: with cumulative rate Λ(t), the next
 * arrival after t is Λ⁻¹(Λ(t) + step), where step is 1 for a constant (evenly
 * spaced) process and an Exp(1) draw for a Poisson process. This is exact for
 * ramps as well as flat phases, with no thinning and no wasted draws.
 */
export interface RatePhase {
  /** Phase length in microseconds; Infinity for an open-ended last phase. */
  duration: number;
  /** Rate at the start and end of the phase, in arrivals per microsecond. */
  fromRate: number;
  toRate: number;
}

export interface ArrivalSchedule {
  process: "poisson" | "constant";
  phases: readonly RatePhase[];
  /** Restart the phase list after the last one ends; otherwise arrivals stop. */
  repeat: boolean;
}

export class ArrivalProcess {
  private phaseIndex = 0;
  private phaseStart = 0;
  /** Continuous time of the last arrival; rounding happens only at the boundary. */
  private position = 0;

  /**
   * The rate of a Poisson schedule that is one open-ended steady phase (most scenarios), else 0: `next`
   * then draws and divides, the same arithmetic as the general path, with no phase to look up.
   */
  private readonly steadyPoissonRate: number;

  constructor(
    private readonly schedule: ArrivalSchedule,
    private readonly rng: Rng,
  ) {
    const only = schedule.phases.length === 1 ? schedule.phases[0]! : undefined;
    const steady = only !== undefined && only.duration === Number.POSITIVE_INFINITY && only.fromRate === only.toRate;
    this.steadyPoissonRate = steady && schedule.process === "poisson" ? only.fromRate : 0;
  }

  /** Integer time (microseconds) of the next arrival, or Infinity when the schedule has ended. */
  next(): number {
    if (this.steadyPoissonRate > 0) {
      this.position += -Math.log(1 - this.rng()) / this.steadyPoissonRate;
      return Math.round(this.position);
    }
    let remaining = this.schedule.process === "poisson" ? -Math.log(1 - this.rng()) : 1;
    const phases = this.schedule.phases;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const phase = phases[this.phaseIndex];
      if (phase === undefined) return Number.POSITIVE_INFINITY;
      if (phase.duration === Number.POSITIVE_INFINITY && phase.fromRate === phase.toRate) {
        // A steady open-ended rate, the common case: Λ is linear, so skip the general inversion.
        if (phase.fromRate === 0) return Number.POSITIVE_INFINITY;
        this.position += remaining / phase.fromRate;
        return Math.round(this.position);
      }
      const offset = this.position - this.phaseStart;
      const massAtOffset = cumulative(phase, offset);
      const massAtEnd = cumulative(phase, phase.duration);
      const massToEnd = massAtEnd - massAtOffset;
      // Rounding in Λ and its inverse can put an arrival due exactly at the phase end a hair past it;
      // the tolerance keeps it in this phase instead of sliding past a following zero-rate phase.
      if (massToEnd > 0 && remaining <= massToEnd + MASS_TOLERANCE * massAtEnd) {
        const target = Math.min(massAtOffset + remaining, massAtEnd);
        this.position = this.phaseStart + inverseCumulative(phase, target);
        return Math.round(this.position);
      }
      remaining -= massToEnd;
      this.advancePhase(phase);
    }
    // A repeating schedule whose every phase has rate zero never produces an arrival.
    return Number.POSITIVE_INFINITY;
  }

  private advancePhase(phase: RatePhase): void {
    this.phaseStart += phase.duration;
    this.position = this.phaseStart;
    this.phaseIndex++;
    if (this.phaseIndex === this.schedule.phases.length && this.schedule.repeat) this.phaseIndex = 0;
  }
}

/** Relative slack, in expected arrivals, for floating-point error at a phase's end. */
const MASS_TOLERANCE = 1e-9;

/** Rate change per microsecond; zero for open-ended and zero-length phases (0/0 would poison Λ with NaN). */
function slopeOf(phase: RatePhase): number {
  return phase.duration === Number.POSITIVE_INFINITY || phase.duration === 0
    ? 0
    : (phase.toRate - phase.fromRate) / phase.duration;
}

/** Λ within a phase: expected arrivals in [0, offset). */
function cumulative(phase: RatePhase, offset: number): number {
  if (offset === Number.POSITIVE_INFINITY) {
    return phase.fromRate === 0 && phase.toRate === 0 ? 0 : Number.POSITIVE_INFINITY;
  }
  const slope = slopeOf(phase);
  return phase.fromRate * offset + (slope * offset * offset) / 2;
}

/** The offset s at which Λ(s) reaches `mass`, given mass is within the phase. */
function inverseCumulative(phase: RatePhase, mass: number): number {
  if (mass <= 0) return 0; // also avoids 0/0 at the start of a ramp from zero
  const slope = slopeOf(phase);
  if (slope === 0) return mass / phase.fromRate;
  // Solves slope/2·s² + from·s − mass = 0 in the form that stays accurate as slope → 0.
  return (2 * mass) / (phase.fromRate + Math.sqrt(Math.max(0, phase.fromRate ** 2 + 2 * slope * mass)));
}
