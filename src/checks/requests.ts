import { percentileOf } from "../metrics/latency.js";
import type { RequestResult } from "../run/requests.js";
import type { RunResult } from "../run/simulate.js";
import type { FigureBound } from "../scenario/patterns.js";
import type { CheckResult } from "./checks.js";
import { boundCheck } from "./patterns.js";

type RequestCount = Exclude<keyof RequestResult, "to" | "replyQueue" | "latency" | "series">;

/** One figure of a requester, as summary.json states it (latency in milliseconds). */
function figureOf(requests: RequestResult, name: string): number {
  if (name === "latencyMsP50") return percentileOf(requests.latency, 50) / 1000;
  if (name === "latencyMsP99") return percentileOf(requests.latency, 99) / 1000;
  if (name === "latencyMsMax") return requests.latency.max / 1000;
  return requests[name as RequestCount];
}

/** The bounds under expect.requests, judged against the run: requests.<producer>.<figure>. */
export function requestChecks(result: RunResult): CheckResult[] {
  const checks: CheckResult[] = [];
  for (const [producer, bounds] of Object.entries(result.scenario.expect.requests ?? {})) {
    const requests = result.requests?.[producer];
    if (requests === undefined) continue;
    for (const [figure, bound] of Object.entries(bounds as Partial<Record<string, FigureBound>>)) {
      if (bound === undefined) continue;
      checks.push(boundCheck(`requests.${producer}.${figure}`, figureOf(requests, figure), bound, requests.sent));
    }
  }
  return checks;
}
