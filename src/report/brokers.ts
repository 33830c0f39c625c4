import type { BrokerTally } from "../run/brokers.js";
import type { RunResult } from "../run/simulate.js";

/**
 * One broker's figures in summary.json (`brokers.<name>`, only with `brokers:`): what it took and delivered,
 * its deepest queue, and what became of its groups' (message, group) pairs, summed over the groups that
 * live on it. The per-group figures are under `stages`.
 */
export type BrokerSummary = Omit<BrokerTally, "name" | "groups"> & {
  consumed: number;
  lost: number;
  duplicated: number;
  pending: number;
};

/** The `brokers` section of summary.json; empty without `brokers:`. */
export function brokerSummaries(result: RunResult): { brokers?: Record<string, BrokerSummary> } {
  const flows = result.flows;
  if (result.brokers === undefined || flows === undefined) return {};
  const groupIndex = new Map(result.scenario.consumers.map((c, index) => [c.group, index]));
  const brokers: Record<string, BrokerSummary> = {};
  // The groups themselves are those with broker: <name> in the scenario, and each has its own stages.<group>.
  for (const { name, groups, ...tally } of result.brokers) {
    const indices = groups.map((group) => groupIndex.get(group)!);
    const sum = (of: (group: number) => number) => indices.reduce((total, group) => total + of(group), 0);
    brokers[name] = {
      ...tally,
      consumed: sum((group) => flows.stages[group]!.consumed),
      lost: sum((group) => flows.lostByGroup[group]!),
      duplicated: sum((group) => flows.stages[group]!.duplicated),
      pending: sum((group) => flows.pendingByGroup[group]!),
    };
  }
  return { brokers };
}
