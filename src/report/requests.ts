import type { RequestResult } from "../run/requests.js";
import type { LatencySummary } from "./summary.js";

/**
 * summary.json's `requests.<producer>`: a requester's requests and their replies (docs/output.md#requests),
 * the run's counts as they are, with the latency (first send → reply received, in milliseconds, over the
 * requests answered in time) summarized.
 */
export type RequestSummary = Omit<RequestResult, "latency" | "series"> & { latencyMs: LatencySummary };

export function requestSummaries(
  requests: Record<string, RequestResult>,
  latencySummary: (snapshot: RequestResult["latency"]) => LatencySummary,
): Record<string, RequestSummary> {
  const summaries: Record<string, RequestSummary> = {};
  for (const [name, { latency, series: _series, ...figures }] of Object.entries(requests))
    summaries[name] = { ...figures, latencyMs: latencySummary(latency) };
  return summaries;
}
