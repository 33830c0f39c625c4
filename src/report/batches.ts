import { type BatchFiguresSnapshot, meanBatchSize } from "../model/batches.js";
import type { PublishBatchFiguresSnapshot } from "../model/publish-batches.js";

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

/** summary.json's `publishBatches.<producer>`: the batch requests a batching producer's instances sent. */
export interface PublishBatchSummary {
  batches: number;
  meanSize: number;
  sizes: Record<string, number>;
  /** Messages a producer crash caught in a batch not yet sent. */
  lostUnsent: number;
}

export function batchSummaries(batches: Record<string, BatchFiguresSnapshot>): Record<string, BatchSummary> {
  const summaries: Record<string, BatchSummary> = {};
  for (const [group, figures] of Object.entries(batches)) {
    summaries[group] = {
      ...sizesOf(figures.bySize, figures.started),
      settled: figures.settled,
      abandoned: figures.abandoned,
    };
  }
  return summaries;
}

export function publishBatchSummaries(
  batches: Record<string, PublishBatchFiguresSnapshot>,
): Record<string, PublishBatchSummary> {
  const summaries: Record<string, PublishBatchSummary> = {};
  for (const [producer, figures] of Object.entries(batches)) {
    summaries[producer] = { ...sizesOf(figures.bySize, figures.sent), lostUnsent: figures.lostUnsent };
  }
  return summaries;
}

/** The count, mean size (3 decimals) and histogram of `count` batches, from their counts by size. */
function sizesOf(
  bySize: number[],
  count: number,
): { batches: number; meanSize: number; sizes: Record<string, number> } {
  const sizes: Record<string, number> = {};
  bySize.forEach((batches, size) => {
    if (batches > 0) sizes[String(size)] = batches;
  });
  return { batches: count, meanSize: meanBatchSize(bySize, count), sizes };
}
