import type { BatchFiguresSnapshot } from "../model/batches.js";

/** summary.json's `batches.<group>` (docs/output.md): how a batching group's batches went. */
export interface BatchSummary {
  /** Batches a worker began. */
  batches: number;
  /** Mean deliveries per batch begun. */
  meanSize: number;
  /** Batches begun, by size ("10": 37); sizes that never occurred are left out. */
  sizes: Record<string, number>;
  /** Batches settled as a whole (one DeleteMessageBatch, one multiple ack, one XACK, one commit). */
  settled: number;
  /** Batches the instance died holding: their unsettled deliveries went back by the profile's rule. */
  abandoned: number;
}

export function batchSummaries(batches: Record<string, BatchFiguresSnapshot>): Record<string, BatchSummary> {
  const summaries: Record<string, BatchSummary> = {};
  for (const [group, figures] of Object.entries(batches)) {
    const sizes: Record<string, number> = {};
    let deliveries = 0;
    figures.bySize.forEach((count, size) => {
      if (count === 0) return;
      sizes[String(size)] = count;
      deliveries += count * size;
    });
    summaries[group] = {
      batches: figures.started,
      meanSize: figures.started === 0 ? 0 : Math.round((deliveries / figures.started) * 1000) / 1000,
      sizes,
      settled: figures.settled,
      abandoned: figures.abandoned,
    };
  }
  return summaries;
}
