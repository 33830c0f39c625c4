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

/** Percentiles by the nearest-rank rule over the sorted durations (µs), in ms to 0.001. */
export function durationSummary(sorted: number[]): SagaSummary["durationMs"] {
  const ms = (micros: number) => Math.round(micros) / 1000;
  if (sorted.length === 0) return { mean: 0, p50: 0, p99: 0, max: 0 };
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return { mean: ms(total / sorted.length), p50: ms(rank(50)), p99: ms(rank(99)), max: ms(sorted.at(-1)!) };
}
