import type { FaultOccurrence } from "../faults/injector.js";
import { type LatencySnapshot, percentileOf } from "../metrics/latency.js";
import type { Example } from "../metrics/witness.js";
import type { RunResult } from "../run/simulate.js";
import { formatDuration, microsToMillis } from "../units/units.js";
import { batchChecks } from "./batches.js";
import { outboxChecks } from "./outbox.js";
import { patternChecks } from "./patterns.js";
import { requestChecks } from "./requests.js";
import { sagaChecks } from "./sagas.js";
import { scheduleChecks } from "./schedules.js";
import { stageChecks } from "./stages.js";

/** One expectation from the scenario's `expect:` section, judged against a run. */
export interface CheckResult {
  name: string;
  expected: string;
  observed: string;
  passed: boolean;
  /** For a failed check with a message to point at: the first one, and what happened to it. */
  counterExample?: CounterExample;
}

export interface CounterExample {
  message: number;
  group: string;
  key: number | null;
  producer: string;
  events: { what: string; consumer?: string; atMs: number }[];
  /** The fault active or most recently started before the anomaly, if any. */
  likelyCause?: { fault: number; kind: string; target: string; startMs: number };
}

type Expectations = RunResult["scenario"]["expect"];
type LatencyBounds = NonNullable<Expectations["latency"]>;

/** Judges every expectation the scenario states; an empty `expect:` yields no checks. */
export function evaluateChecks(result: RunResult): CheckResult[] {
  const expect = result.scenario.expect;
  const checks: CheckResult[] = [];
  if (expect.delivery) checks.push(deliveryCheck(expect.delivery, result));
  if (expect.ordering && expect.ordering !== "none") checks.push(orderingCheck(expect.ordering, result));
  if (expect.sideEffects) checks.push(sideEffectCheck(result));
  if (expect.latency) checks.push(...latencyChecks("latency", expect.latency, result.endToEnd));
  if (expect.queueWait) checks.push(...latencyChecks("queueWait", expect.queueWait, result.queueWait));
  if (expect.backpressure) checks.push(...backpressureChecks(expect.backpressure, result));
  if (expect.throughput) checks.push(throughputCheck(expect.throughput.min, result));
  checks.push(...patternChecks(result));
  checks.push(...outboxChecks(result));
  checks.push(...stageChecks(result));
  checks.push(...batchChecks(result));
  checks.push(...sagaChecks(result));
  checks.push(...requestChecks(result));
  checks.push(...scheduleChecks(result));
  return checks;
}

/**
 * Delivery guarantees in Jepsen's terms. Messages still pending when the drain
 * timeout ran out fail the check: the run could not show that they arrive.
 */
function deliveryCheck(guarantee: NonNullable<Expectations["delivery"]>, result: RunResult): CheckResult {
  const { lost, duplicated, unexpected, pending } = result.counts;
  const forbidsLoss = guarantee !== "at-most-once";
  const forbidsDuplicates = guarantee !== "at-least-once";
  const parts = [`${lost} lost`, `${duplicated} duplicated`, `${unexpected} unexpected`, `${pending} pending`];
  const lossFails = forbidsLoss && (lost > 0 || pending > 0);
  const duplicateFails = forbidsDuplicates && duplicated > 0;
  const passed = unexpected === 0 && !lossFails && !duplicateFails;
  const expected = [
    forbidsLoss ? "none lost or pending" : "",
    forbidsDuplicates ? "none duplicated" : "",
    "none unexpected",
  ]
    .filter((part) => part !== "")
    .join(", ");
  const example = forbidsLoss && lost > 0 ? result.examples.lost : duplicateFails ? result.examples.duplicated : null;
  return withExample({ name: `delivery: ${guarantee}`, expected, observed: parts.join(", "), passed }, example, result);
}

function orderingCheck(scope: "per-key" | "per-producer" | "per-partition", result: RunResult): CheckResult {
  const check = {
    name: `ordering: ${scope}`,
    expected: "0 out of order",
    observed: `${result.outOfOrder} out of order`,
    passed: result.outOfOrder === 0,
  };
  return withExample(check, result.examples.outOfOrder, result);
}

function sideEffectCheck(result: RunResult): CheckResult {
  const repeated = result.counts.sideEffectsRepeated;
  const check = {
    name: "sideEffects: exactly-once",
    expected: "0 applied twice",
    observed: `${repeated} applied twice`,
    passed: repeated === 0,
  };
  return withExample(check, result.examples.repeatedSideEffect, result);
}

const STATISTICS = ["mean", "p50", "p95", "p99", "max"] as const;

function latencyChecks(metric: string, bounds: LatencyBounds, stats: LatencySnapshot): CheckResult[] {
  return STATISTICS.flatMap((statistic) => {
    const bound = bounds[statistic];
    if (bound === undefined) return [];
    const value = statisticOf(stats, statistic);
    return [
      {
        name: `${metric}.${statistic}`,
        expected: `<= ${formatDuration(bound)}`,
        observed: formatDuration(value),
        passed: value <= bound,
      },
    ];
  });
}

function backpressureChecks(bounds: NonNullable<Expectations["backpressure"]>, result: RunResult): CheckResult[] {
  const checks: CheckResult[] = [];
  const bounded = (name: string, bound: number | undefined, value: number, show: (v: number) => string) => {
    if (bound !== undefined)
      checks.push({ name, expected: `<= ${show(bound)}`, observed: show(value), passed: value <= bound });
  };
  bounded("backpressure.maxDepth", bounds.maxDepth, result.maxDepth, String);
  bounded("backpressure.maxLag", bounds.maxLag, result.maxLag, String);
  bounded("backpressure.blocked", bounds.blocked, result.blockedMicros, formatDuration);
  bounded("backpressure.rejected", bounds.rejected, result.counts.rejected, String);
  return checks;
}

function throughputCheck(minimumPerSecond: number, result: RunResult): CheckResult {
  const observed = result.consumedDuringRun / (result.scenario.duration / 1e6);
  return {
    name: "throughput.min",
    expected: `>= ${minimumPerSecond}/s consumed`,
    observed: `${observed.toFixed(1)}/s`,
    passed: observed >= minimumPerSecond,
  };
}

export function statisticOf(stats: LatencySnapshot, statistic: (typeof STATISTICS)[number]): number {
  switch (statistic) {
    case "mean":
      return stats.mean;
    case "max":
      return stats.max;
    case "p50":
      return percentileOf(stats, 50);
    case "p95":
      return percentileOf(stats, 95);
    case "p99":
      return percentileOf(stats, 99);
  }
}

function withExample(check: CheckResult, example: Example | null, result: RunResult): CheckResult {
  if (check.passed || example === null) return check;
  return { ...check, counterExample: describeExample(example, result) };
}

function describeExample(example: Example, result: RunResult): CounterExample {
  const { names } = result;
  const events = example.events.map((event) => ({
    what: event.what,
    ...(event.consumer >= 0 ? { consumer: names.consumers[event.consumer] ?? String(event.consumer) } : {}),
    atMs: microsToMillis(event.at),
  }));
  const described: CounterExample = {
    message: example.message,
    group: names.groups[example.group] ?? String(example.group),
    key: example.key < 0 ? null : example.key,
    producer: names.producers[example.producer] ?? String(example.producer),
    events,
  };
  const cause = likelyCause(example, result.faults, names.consumers);
  return cause ? { ...described, likelyCause: cause } : described;
}

/** The latest fault that started before the anomaly, preferring one aimed at a consumer involved in it. */
function likelyCause(example: Example, faults: readonly FaultOccurrence[], consumers: readonly string[]) {
  const last = example.events[example.events.length - 1]!.at;
  const involved = new Set(example.events.filter((e) => e.consumer >= 0).map((e) => consumers[e.consumer]));
  const before = faults.filter((f) => f.start <= last && f.kind !== "poison");
  const aimed = before.filter((f) => involved.has(f.target));
  const chosen = (aimed.length > 0 ? aimed : before).reduce<FaultOccurrence | undefined>(
    (latest, f) => (latest === undefined || f.start >= latest.start ? f : latest),
    undefined,
  );
  return (
    chosen && { fault: chosen.fault, kind: chosen.kind, target: chosen.target, startMs: microsToMillis(chosen.start) }
  );
}
