import { percentileOf } from "../metrics/latency.js";
import type { RunResult } from "../run/simulate.js";
import type { FigureBound } from "../scenario/patterns.js";
import type { CheckResult } from "./checks.js";
import { boundCheck } from "./patterns.js";

type Bounds = Partial<Record<string, FigureBound>>;

/** The bounds under expect.stages and expect.endToEnd (docs/patterns.md, "Flows"), judged against the run. */
export function stageChecks(result: RunResult): CheckResult[] {
  const flows = result.flows;
  const expect = result.scenario.expect;
  if (flows === undefined) return [];
  const published = result.counts.published;
  const checks: CheckResult[] = [];
  const groups = result.scenario.consumers.map((c) => c.group);
  for (const [name, bounds] of Object.entries(expect.stages ?? {})) {
    const group = groups.indexOf(name);
    const stage = flows.stages[group]!;
    const figures: Record<string, number> = {
      received: stage.received,
      publishedOnward: stage.publishedOnward,
      consumed: stage.consumed,
      duplicated: stage.duplicated,
      lost: flows.lostByGroup[group]!,
      pending: flows.pendingByGroup[group]!,
      hopLimited: flows.hopLimited[group] ?? 0,
      latencyMeanMs: stage.latency.mean / 1000,
      latencyP99Ms: percentile99(stage.latency),
    };
    for (const [figure, bound] of Object.entries(bounds as Bounds))
      if (bound !== undefined) checks.push(boundCheck(`stages.${name}.${figure}`, figures[figure]!, bound, published));
  }
  const endToEnd: Record<string, number> = {
    completed: flows.rootsCompleted,
    incomplete: flows.roots - flows.rootsCompleted,
    latencyMeanMs: flows.endToEnd.mean / 1000,
    latencyP99Ms: percentile99(flows.endToEnd),
  };
  for (const [figure, bound] of Object.entries((expect.endToEnd ?? {}) as Bounds))
    if (bound !== undefined) checks.push(boundCheck(`endToEnd.${figure}`, endToEnd[figure]!, bound, published));
  return checks;
}

function percentile99(snapshot: RunResult["endToEnd"]): number {
  return percentileOf(snapshot, 99) / 1000;
}
