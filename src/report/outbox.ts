import type { WritesResult } from "../run/writes.js";
import type { LatencySummary } from "./summary.js";

/** summary.json's `outbox.<producer>`: how its committed state changes reached the broker (docs/output.md#outbox). */
export type OutboxSummary = Omit<WritesResult, "lag" | "backlogSeries"> & {
  /** Commit → first publish, in milliseconds. */
  lagMs: Omit<LatencySummary, "count">;
};

export function outboxSummaries(
  outbox: Record<string, WritesResult>,
  latencySummary: (snapshot: WritesResult["lag"]) => LatencySummary,
): Record<string, OutboxSummary> {
  const summaries: Record<string, OutboxSummary> = {};
  for (const [name, writes] of Object.entries(outbox)) {
    const { mode, committed, published, unpublished, relayDuplicates, backlogPeak, backlogAtEnd } = writes;
    const { count: _count, ...lagMs } = latencySummary(writes.lag);
    summaries[name] = { mode, committed, published, unpublished, relayDuplicates, backlogPeak, backlogAtEnd, lagMs };
  }
  return summaries;
}
