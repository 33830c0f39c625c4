import { profiles } from "../brokers/profiles.js";
import { runScenario } from "../pipeline/run-scenario.js";
import type { Run } from "../report/run.js";
import type { SimulateOptions } from "../run/simulate.js";
import type { ScenarioIssue } from "../scenario/issues.js";
import { closestMatch, messages } from "../scenario/issues.js";
import { validateScenario } from "../scenario/load.js";
import type { ParsedScenario } from "../scenario/schema.js";

/** One profile's version of the scenario: the same workload and faults, another broker. */
export interface Variant {
  profile: string;
  scenario: ParsedScenario;
  /** The variant as written, before validation: what travels to a distributed worker. */
  written: Record<string, unknown>;
}

export type VariantsResult = { ok: true; variants: Variant[] } | { ok: false; issues: ScenarioIssue[] };

/**
 * Builds one variant per profile from the scenario as written. Only `broker`
 * changes; producers, consumers, faults and the seed stay, so every variant
 * draws the same arrivals, keys, processing times and faults from the same
 * named streams (common random numbers): differences come from the brokers.
 * A profile's broker section comes from `overrides`, else the scenario's
 * `compare.brokers`, else the scenario's own broker if it is that profile,
 * else the profile's defaults.
 */
export function buildVariants(
  data: Record<string, unknown>,
  requested: readonly string[],
  overrides: Record<string, Record<string, unknown>> = {},
): VariantsResult {
  const known = profiles.map((p) => p.name);
  const repeated = requested.filter((name, index) => requested.indexOf(name) !== index);
  if (repeated.length > 0) {
    const message = `${repeated.map((name) => JSON.stringify(name)).join(", ")} asked for twice`;
    return { ok: false, issues: [{ code: "invalid", path: ["compare", "profiles"], message }] };
  }
  const unknown = requested.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    return {
      ok: false,
      issues: unknown.map((name) => {
        const suggestion = closestMatch(name, known);
        return {
          code: "unknown-value",
          path: ["compare", "profiles"],
          message: messages.unknownValue(JSON.stringify(name), known),
          ...(suggestion ? { hint: messages.didYouMean(suggestion) } : {}),
        };
      }),
    };
  }
  const written = data.compare as { brokers?: Record<string, Record<string, unknown>> } | undefined;
  const own = data.broker as Record<string, unknown> | undefined;
  const variants: Variant[] = [];
  const issues: ScenarioIssue[] = [];
  for (const profile of requested) {
    const section = overrides[profile] ?? written?.brokers?.[profile] ?? (own?.profile === profile ? own : {});
    const variantData = { ...data, broker: { ...section, profile } };
    const result = validateScenario(variantData);
    if (result.ok) variants.push({ profile, scenario: result.scenario, written: variantData });
    else issues.push(...result.issues.map((issue) => ({ ...issue, message: `${profile}: ${issue.message}` })));
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, variants };
}

/** The profiles to compare: those asked for, else the scenario's `compare.profiles`, else every profile. */
export function profilesToCompare(data: Record<string, unknown>, asked: readonly string[] | undefined): string[] {
  if (asked && asked.length > 0) return [...asked];
  const written = (data.compare as { profiles?: string[] } | undefined)?.profiles;
  return written ?? profiles.map((p) => p.name);
}

/** Runs every variant one after another; results do not depend on the order. */
export function runVariants(variants: readonly Variant[], options: SimulateOptions = {}): Run[] {
  return variants.map((variant) => runScenario(variant.scenario, options));
}

/** One row of the comparison table. Latencies in milliseconds, throughput per second. */
export interface ComparisonRow {
  profile: string;
  throughputPerS: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  maxLag: number;
  lost: number;
  duplicated: number;
  sideEffectsRepeated: number;
  deadLettered: number;
  pending: number;
  passed: boolean;
}

export function comparisonRows(runs: readonly Run[]): ComparisonRow[] {
  return runs.map(({ summary }) => ({
    profile: summary.profile,
    throughputPerS: summary.throughput.consumed,
    latencyP50Ms: summary.latency.endToEnd.p50,
    latencyP99Ms: summary.latency.endToEnd.p99,
    latencyMaxMs: summary.latency.endToEnd.max,
    maxLag: summary.backpressure.maxLag,
    lost: summary.messages.lost,
    duplicated: summary.messages.duplicated,
    sideEffectsRepeated: summary.messages.sideEffectsRepeated,
    deadLettered: summary.messages.deadLettered,
    pending: summary.messages.pending,
    passed: summary.passed,
  }));
}
