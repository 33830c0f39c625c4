import type { RequestResult } from "../run/requests.js";
import type { LatencySummary } from "./summary.js";

/** summary.json's `requests.<producer>`: a requester's requests and their replies (docs/output.md#requests). */
export interface RequestSummary {
  to: string;
  replyQueue: RequestResult["replyQueue"];
  sent: number;
  repliedInTime: number;
  timedOut: number;
  retried: number;
  lateReplies: number;
  repliesDropped: number;
  failedAfterRetries: number;
  abandonedByCrash: number;
  duplicateExecutions: number;
  duplicatesAbsorbed: number;
  waitedForSlot: number;
  outstandingPeak: number;
  /** First send → reply received, in milliseconds, over the requests answered in time. */
  latencyMs: LatencySummary;
}

export function requestSummaries(
  requests: Record<string, RequestResult>,
  latencySummary: (snapshot: RequestResult["latency"]) => LatencySummary,
): Record<string, RequestSummary> {
  const summaries: Record<string, RequestSummary> = {};
  for (const [name, { latency, series: _series, ...figures }] of Object.entries(requests))
    summaries[name] = { ...figures, latencyMs: latencySummary(latency) };
  return summaries;
}
