import type { LatencySnapshot } from "../metrics/latency.js";
import type { RunResult } from "../run/simulate.js";
import { microsToMillis } from "../units/units.js";
import type { LatencySummary } from "./summary.js";

/** One consumer group's figures as a pipeline stage (docs/output.md, "stages"). */
export interface StageSummary {
  received: number;
  publishedOnward: number;
  consumed: number;
  lost: number;
  duplicated: number;
  pending: number;
  /** From the root message's publish to this stage's first consumption (its side effect), in ms. */
  latency: LatencySummary;
  /** Little's law over the run's duration: L (mean messages in the stage), λ (arrivals per second), W (ms). */
  inStage: { mean: number; arrivalsPerSecond: number; sojournMs: number };
  /** Inputs whose onward publish the group's maxHops stopped (their flow ended here); only for a group with maxHops. */
  hopLimited?: number;
  /** Fan-in sets: completed, timed out, and parts that came after their set closed; only for a gathering group. */
  gather?: { completed: number; timedOut: number; late: number };
}

/** A flow from a producer's message (its root) to the last stages, which publish nothing onward. */
export interface EndToEndSummary {
  roots: number;
  /** Roots of which some last stage consumed at least one descendant. */
  completed: number;
  /** From a root's publish to a last stage's first consumption of each descendant, in ms. */
  latency: LatencySummary;
}

/** The `stages` and `endToEnd` sections of summary.json; empty when the scenario has no stages. */
export function stageSummaries(
  result: RunResult,
  latencySummary: (stats: LatencySnapshot) => LatencySummary,
): { stages?: Record<string, StageSummary>; endToEnd?: EndToEndSummary } {
  const flows = result.flows;
  if (flows === undefined) return {};
  const seconds = result.scenario.duration / 1e6;
  const stages: Record<string, StageSummary> = {};
  result.scenario.consumers.forEach((consumer, group) => {
    const stage = flows.stages[group]!;
    stages[consumer.group] = {
      received: stage.received,
      publishedOnward: stage.publishedOnward,
      consumed: stage.consumed,
      lost: flows.lostByGroup[group]!,
      duplicated: stage.duplicated,
      pending: flows.pendingByGroup[group]!,
      latency: latencySummary(stage.latency),
      inStage: {
        mean: round(stage.meanInStage),
        arrivalsPerSecond: round(stage.arrivedDuringRun / seconds),
        sojournMs: microsToMillis(stage.meanSojournMicros),
      },
      ...(flows.hopLimited[group] === null || flows.hopLimited[group] === undefined
        ? {}
        : { hopLimited: flows.hopLimited[group] }),
      ...(flows.gathers[group] ? { gather: { ...flows.gathers[group] } } : {}),
    };
  });
  return {
    stages,
    endToEnd: { roots: flows.roots, completed: flows.rootsCompleted, latency: latencySummary(flows.endToEnd) },
  };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
