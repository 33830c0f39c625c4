import { percentileOf } from "../metrics/latency.js";
import type { RunResult } from "../run/simulate.js";
import type { WritesResult } from "../run/writes.js";
import type { FigureBound } from "../scenario/patterns.js";
import type { CheckResult } from "./checks.js";
import { boundCheck } from "./patterns.js";

/** One figure of a producer's writes, as summary.json states it (lag in milliseconds). */
function figureOf(writes: WritesResult, name: string): number {
  if (name === "lagMsP50") return percentileOf(writes.lag, 50) / 1000;
  if (name === "lagMsP99") return percentileOf(writes.lag, 99) / 1000;
  if (name === "lagMsMax") return writes.lag.max / 1000;
  return writes[name as "committed" | "published" | "unpublished" | "relayDuplicates" | "backlogPeak" | "backlogAtEnd"];
}

/** The bounds under expect.outbox, judged against the run: outbox.<producer>.<figure>. */
export function outboxChecks(result: RunResult): CheckResult[] {
  const checks: CheckResult[] = [];
  for (const [producer, bounds] of Object.entries(result.scenario.expect.outbox ?? {})) {
    const writes = result.outbox?.[producer];
    if (writes === undefined) continue;
    for (const [figure, bound] of Object.entries(bounds as Partial<Record<string, FigureBound>>)) {
      if (bound === undefined) continue;
      checks.push(boundCheck(`outbox.${producer}.${figure}`, figureOf(writes, figure), bound, result.counts.published));
    }
  }
  return checks;
}
