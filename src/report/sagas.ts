import type { DurationDistribution } from "../run/saga-durations.js";
import type { SagaFigures } from "../run/sagas.js";
import type { RunResult } from "../run/simulate.js";

/** One saga's outcomes (docs/output.md, "sagas"). */
export interface SagaSummary {
  started: number;
  completed: number;
  compensated: number;
  /** Neither completed nor compensated by the end of the run, though started longer than the timeout before it. */
  stuck: number;
  /** Unfinished at the end, but started less than the timeout before it. */
  inFlight: number;
  /** A compensation applied again (a redelivery without idempotency): the refund paid twice. */
  compensatedTwice: number;
  /** Step results the coordinator ignored: a command consumed again after the saga had moved on. */
  duplicateSteps: number;
  compensations: { sent: number; applied: number; lost: number };
  /** From the root message's publish to completion or the last compensation, finished sagas only. */
  durationMs: { mean: number; p50: number; p99: number; max: number };
}

/** The `sagas` section of summary.json; absent when the scenario declares none. */
export function sagaSummaries(result: RunResult): { sagas?: Record<string, SagaSummary> } {
  if (result.sagas === undefined) return {};
  const sagas: Record<string, SagaSummary> = {};
  for (const [name, figures] of Object.entries(result.sagas)) sagas[name] = sagaSummary(figures);
  return { sagas };
}

function sagaSummary(figures: SagaFigures): SagaSummary {
  return {
    started: figures.started,
    completed: figures.completed,
    compensated: figures.compensated,
    stuck: figures.stuck,
    inFlight: figures.inFlight,
    compensatedTwice: figures.compensatedTwice,
    duplicateSteps: figures.duplicateSteps,
    compensations: {
      sent: figures.compensationsSent,
      applied: figures.compensationsApplied,
      lost: figures.compensationsLost,
    },
    durationMs: durationSummary(figures.durations),
  };
}

/**
 * Percentiles by the nearest-rank rule over the durations (µs; each distinct one with its count), in ms to
 * 0.001. The mean adds each duration in ascending order, one at a time, as the sum over the sorted list of every
 * duration did, so it is that sum to the last bit.
 */
export function durationSummary(durations: DurationDistribution): SagaSummary["durationMs"] {
  const { values, counts } = durations;
  const ms = (micros: number) => Math.round(micros) / 1000;
  let finished = 0;
  for (const count of counts) finished += count;
  if (finished === 0) return { mean: 0, p50: 0, p99: 0, max: 0 };
  const rank = (p: number) => valueAtRank(durations, Math.max(0, Math.ceil((p / 100) * finished) - 1));
  let total = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    for (let n = counts[index]!; n > 0; n--) total += value;
  }
  return { mean: ms(total / finished), p50: ms(rank(50)), p99: ms(rank(99)), max: ms(values.at(-1)!) };
}

/** The duration at `rank` (0 the shortest) in the ascending list of every duration. */
function valueAtRank({ values, counts }: DurationDistribution, rank: number): number {
  let below = 0;
  for (let index = 0; index < values.length; index++) {
    below += counts[index]!;
    if (rank < below) return values[index]!;
  }
  return values.at(-1)!;
}
