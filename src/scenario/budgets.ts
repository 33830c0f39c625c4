/**
 * Up-front size budgets: what a valid scenario will cost, estimated from the file before anything is built,
 * and refused (as an ordinary validation issue, with the field that drives it) when it exceeds a `limits:`
 * field. Estimates are lower bounds — every message is at least one event (its arrival), every fault
 * occurrence at least one — so a scenario that fits is never refused; one that does not is refused in
 * milliseconds instead of after minutes and gigabytes.
 */

import { getHeapStatistics } from "node:v8";
import { MessageTable } from "../model/messages.js";
import { meanOf } from "../random/distributions.js";
import { arrivalSchedule } from "./arrival-schedule.js";
import type { ScenarioIssue } from "./issues.js";
import { rowsKeptBecause } from "./retirement-scope.js";
import type { ParsedScenario } from "./schema.js";

type Path = (string | number)[];

interface Contribution {
  path: Path;
  amount: number;
  /** How the amount arises, for the message: "rate × instances × duration". */
  how: string;
}

/** Every budget the scenario exceeds, each at the field that contributes most to it. */
export function budgetIssues(scenario: ParsedScenario): ScenarioIssue[] {
  const limits = scenario.limits;
  const issues: ScenarioIssue[] = [];
  const over = (field: keyof typeof limits, needs: string, parts: Contribution[]) => {
    const total = parts.reduce((sum, part) => sum + part.amount, 0);
    const limit = limits[field] as number;
    if (!(total > limit)) return;
    const largest = parts.reduce((a, b) => (b.amount > a.amount ? b : a));
    issues.push({
      code: "out-of-range",
      path: largest.path,
      message: `the scenario needs ${needs.replace("#", formatCount(total))} (${largest.how}); limits.${field} is ${formatCount(limit)}`,
      hint: `raise limits.${field} if the scenario really needs that many`,
    });
  };
  over("maxInstances", "# instances of producers, consumers and broker nodes", [
    ...instanceCounts(scenario),
    ...nodeCounts(scenario),
  ]);
  over("maxPartitions", "# partitions", partitionCounts(scenario));
  over("maxKeys", "# distinct keys", keyCounts(scenario));
  over("maxFaultOccurrences", "at least # fault occurrences, by estimate", faultEstimates(scenario));
  over("maxEvents", "at least # events, by estimate", eventEstimates(scenario));
  issues.push(...memoryIssues(scenario));
  return issues;
}

/** The share of V8's heap limit a run may use when `limits.maxMemory` is "auto". */
export const AUTO_MEMORY_SHARE = 0.75;

/** The memory budget in bytes: the scenario's, or a share of this thread's heap limit (workers have their own). */
export function memoryBudgetBytes(maxMemory: number | "auto"): number {
  return maxMemory === "auto" ? Math.floor(getHeapStatistics().heap_size_limit * AUTO_MEMORY_SHARE) : maxMemory;
}

/**
 * A run that cannot retire messages keeps a row for every message it makes (docs/design.md, "Memory"). When
 * those rows alone would pass `limits.maxMemory`, the run could only stop part-way with that error, so it is
 * refused now, at the producer that makes the most messages. The rows are a lower bound of what the run keeps
 * per message: a run that fits is never refused.
 */
function memoryIssues(scenario: ParsedScenario): ScenarioIssue[] {
  const kept = rowsKeptBecause(scenario);
  if (kept === null) return [];
  const parts = messageEstimates(scenario);
  const messages = parts.reduce((sum, part) => sum + part.amount, 0);
  const rowBytes = new MessageTable(scenario.consumers.length, 1, false).rowBytes;
  const budget = memoryBudgetBytes(scenario.limits.maxMemory);
  if (!(messages * rowBytes > budget)) return [];
  const largest = parts.reduce((a, b) => (b.amount > a.amount ? b : a));
  const limit = scenario.limits.maxMemory === "auto" ? `auto, ${megabytes(budget)} here` : megabytes(budget);
  return [
    {
      code: "out-of-range",
      path: largest.path,
      message: `the run keeps a row for every message (${kept}): about ${formatCount(messages)} messages × ${rowBytes} bytes = ${megabytes(messages * rowBytes)} at least (${largest.how}); limits.maxMemory is ${limit}`,
      hint: 'raise limits.maxMemory if the scenario really needs that much ("auto" is 75% of the heap limit, which node --max-old-space-size raises), or shorten the run or lower its rates',
    },
  ];
}

function megabytes(bytes: number): string {
  return bytes >= 1e10 ? `${(bytes / 1e9).toFixed(0)} GB` : `${(bytes / 1e6).toFixed(0)} MB`;
}

function instanceCounts(scenario: ParsedScenario): Contribution[] {
  return [
    ...scenario.producers.map((p, i) => ({
      path: ["producers", i, "instances"],
      amount: p.instances,
      how: `producer ${p.name} has ${p.instances}`,
    })),
    ...scenario.consumers.map((c, i) => ({
      path: ["consumers", i, "instances"],
      amount: c.instances,
      how: `group ${c.group} has ${c.instances}`,
    })),
  ];
}

/** Instances of producers and consumers, and the broker's nodes (kafka's `brokers`): each is built up front. */
function nodeCounts(scenario: ParsedScenario): Contribution[] {
  return brokerSections(scenario).map(({ section, path }) => {
    const nodes = (section as { brokers?: number }).brokers ?? 1;
    return { path: [...path, "brokers"], amount: nodes, how: `${path.join(".")}.brokers is ${nodes}` };
  });
}

function partitionCounts(scenario: ParsedScenario): Contribution[] {
  return brokerSections(scenario).map(({ section, path }) => {
    const partitions = (section as { partitions?: number }).partitions ?? 1;
    return { path: [...path, "partitions"], amount: partitions, how: `${path.join(".")}.partitions` };
  });
}

/** The main broker's section, then each of `brokers:` (each is built with its own nodes and partitions). */
function brokerSections(scenario: ParsedScenario): { section: object; path: string[] }[] {
  return [
    { section: scenario.broker, path: ["broker"] },
    ...Object.entries(scenario.brokers ?? {}).map(([name, section]) => ({ section, path: ["brokers", name] })),
  ];
}

/** Each producer's key space: zipf sampling keeps a table of every key's weight. */
function keyCounts(scenario: ParsedScenario): Contribution[] {
  return scenario.producers.map((p, i) => {
    const count = p.keys === "none" ? 0 : p.keys.count;
    return { path: ["producers", i, "keys", "count"], amount: count, how: `producer ${p.name} has ${count}` };
  });
}

/** Events, at least: one per message published and one per fault occurrence. */
function eventEstimates(scenario: ParsedScenario): Contribution[] {
  const messages = messageEstimates(scenario).map((part) => ({ ...part, how: `one per message: ${part.how}` }));
  const faults = faultEstimates(scenario).map((fault) => ({ ...fault, how: `one per fault occurrence: ${fault.how}` }));
  return [...messages, ...faults];
}

/** The messages each producer publishes, by its rate schedule (recurring producers, with no rate, count none). */
function messageEstimates(scenario: ParsedScenario): Contribution[] {
  return scenario.producers.map((p, i): Contribution => {
    const perInstance = Math.min(p.limit ?? Number.POSITIVE_INFINITY, arrivalsWithin(p, scenario.duration));
    const amount = perInstance * p.instances;
    return {
      path: ["producers", i, p.arrival ? "arrival" : "rate"],
      amount,
      how: `${formatCount(amount)} from producer ${p.name}, its rate × ${p.instances} instance(s) × duration`,
    };
  });
}

/** Occurrences of each fault, at least: each is listed in summary.json and drawn on the charts. */
function faultEstimates(scenario: ParsedScenario): Contribution[] {
  return scenario.faults.map((fault, i): Contribution => {
    const amount = faultOccurrences(fault as FaultTiming, scenario.duration);
    return { path: ["faults", i, "every"], amount, how: `${formatCount(amount)} of faults[${i}]` };
  });
}

/** The expected arrivals of one producer instance before `duration` (µs): its rate schedule integrated. */
function arrivalsWithin(producer: ParsedScenario["producers"][number], duration: number): number {
  const { phases, repeat } = arrivalSchedule(producer);
  const area = (phase: (typeof phases)[number], length: number) =>
    length * (phase.fromRate + ((phase.toRate - phase.fromRate) * Math.min(1, length / phase.duration)) / 2);
  const once = (limit: number) => {
    let time = 0;
    let total = 0;
    for (const phase of phases) {
      if (time >= limit) break;
      const length = Math.min(phase.duration, limit - time);
      total += area(phase, length);
      time += length;
    }
    return total;
  };
  const cycle = phases.reduce((sum, phase) => sum + phase.duration, 0);
  if (!repeat || !(cycle < duration)) return once(duration);
  const cycles = Math.floor(duration / cycle);
  return cycles * once(cycle) + once(duration - cycles * cycle);
}

interface FaultTiming {
  every?: Parameters<typeof meanOf>[0] | null;
  stableFor?: number;
  for?: number;
  restartAfter?: number | null;
}

/** Occurrences of a random (`every`) fault before `duration`: one per gap plus the fault's own length. */
function faultOccurrences(fault: FaultTiming, duration: number): number {
  if (!fault.every) return 1;
  const length = fault.for ?? fault.restartAfter ?? undefined;
  if (length === undefined) return 1;
  const gap = Math.max(fault.stableFor ?? 0, meanOf(fault.every));
  // A fault with no gap and no length would repeat at one instant forever; count it as one per microsecond.
  return duration / Math.max(1, gap + length);
}

function formatCount(value: number): string {
  return value >= 1e10 ? value.toExponential(2).replace("e+", "e") : String(Math.ceil(value));
}
