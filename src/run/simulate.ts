import { DelayedIntake, type DelayFigures } from "../brokers/delays.js";
import { FaultInjector, type FaultOccurrence } from "../faults/injector.js";
import { type PriorityLatency, PriorityLatencyRecorder } from "../metrics/by-priority.js";
import type { LatencySnapshot } from "../metrics/latency.js";
import { mser5 } from "../metrics/mser.js";
import type { Counts } from "../metrics/recorder.js";
import type { FlowFigures } from "../metrics/stages.js";
import { niceInterval, type TimeSeries, TimeSeriesRecorder } from "../metrics/timeseries.js";
import { type Example, Witness } from "../metrics/witness.js";
import type { BatchFiguresSnapshot } from "../model/batches.js";
import type { RunObserver } from "../model/observer.js";
import type { PublishBatchFiguresSnapshot } from "../model/publish-batches.js";
import type { ScheduleFigures } from "../model/recurring.js";
import type { PatternFigures } from "../patterns/retry-figures.js";
import type { ParsedScenario } from "../scenario/schema.js";
import type { BrokerTally } from "./brokers.js";
import { buildWorld, faultWorldOf, type World } from "./build.js";
import type { GatherFigures } from "./gather.js";
import { memoryWatch } from "./memory.js";
import { type ComponentNames, componentNames } from "./names.js";
import { type RequestResult, requestResults } from "./requests.js";
import { retirementOf, retirementPlan } from "./retirement.js";
import type { SagaFigures } from "./sagas.js";
import { type SettledCounts, Settlement } from "./settlement.js";
import { type WritesResult, writesResults } from "./writes.js";

/** The outcome of one run: plain figures, no live model objects. */
export interface RunResult {
  /** The scenario as run: an automatic warm-up is replaced by the time it chose. */
  scenario: ResolvedScenario;
  /** When the run ended, in microseconds: the last event, or duration + drainTimeout if that came first. */
  endedAt: number;
  events: number;
  /** True when everything drained before the drain timeout. */
  drained: boolean;
  counts: Counts & SettledCounts;
  endToEnd: LatencySnapshot;
  queueWait: LatencySnapshot;
  /** Latency per message priority, lowest first; only when some producer sets a priority. */
  byPriority?: PriorityLatency[];
  maxDepth: number;
  maxLag: number;
  /** Messages first consumed before the end of `duration`. */
  consumedDuringRun: number;
  blockedMicros: number;
  /** Latency samples (end-to-end and queue wait) discarded as warm-up. */
  warmupDiscarded: number;
  faults: FaultOccurrence[];
  /** The run in fixed intervals, when SimulateOptions.series asked for it. */
  series?: TimeSeries;
  /** What the broker profile states about itself at the end (Broker.figures), if it does. */
  brokerFigures?: Record<string, number>;
  /** Consumptions that came before a message published earlier in the same ordering scope. */
  outOfOrder: number;
  /** The first instance of each anomaly, for counter-examples. */
  examples: {
    lost: Example | null;
    duplicated: Example | null;
    repeatedSideEffect: Example | null;
    outOfOrder: Example | null;
  };
  /** Names by index, for turning examples into words. */
  names: ComponentNames;
  /** Dependencies and retry policies (src/patterns); absent when the scenario declares neither. */
  patterns?: PatternFigures;
  /** Per producer with `writes:` (dual write or outbox); absent when none declares them. */
  outbox?: Record<string, WritesResult>;
  /** Recurring producers' ticks, by producer name; absent when no producer has a schedule. */
  schedules?: Record<string, ScheduleFigures>;
  /** The broker's delay stage; absent when no producer declares a delay. */
  delays?: DelayFigures;
  /** Pipeline stages' figures, with each group's lost and pending pairs; absent when no group publishes onward. */
  flows?: FlowFigures & {
    lostByGroup: number[];
    pendingByGroup: number[];
    roots: number;
    /** Per group: its fan-in's figures, or null when it gathers nothing. */
    gathers: (GatherFigures | null)[];
    /** Per group: the inputs its maxHops kept from publishing onward, or null when it has no maxHops. */
    hopLimited: (number | null)[];
  };
  /** Per saga by name: its outcomes (docs/patterns.md, "Sagas"); absent when the scenario declares none. */
  sagas?: Record<string, SagaFigures>;
  /** Per producer with `request:`, its requests and replies; absent when no producer sends requests. */
  requests?: Record<string, RequestResult>;
  /** Per consumer group with `batch:`, its batches; absent when no group batches. */
  batches?: Record<string, BatchFiguresSnapshot>;
  /** Per producer with `batch:`, its batch requests; absent when no producer batches. */
  publishBatches?: Record<string, PublishBatchFiguresSnapshot>;
  /** Per broker, main first, with `brokers:` only (src/run/brokers.ts). */
  brokers?: BrokerTally[];
}

export interface SimulateOptions {
  /** Called now and then with simulated time and the time the run is expected to reach. */
  onProgress?: (now: number, horizon: number) => void;
  /** Further observers of the run's events, e.g. a test's log or a custom checker. */
  observers?: readonly RunObserver[];
  /** Record a time series with this interval (microseconds); "auto" picks a few hundred points. Off by default. */
  series?: number | "auto";
  /**
   * Retiring settled messages from the message table (docs/design.md, "Memory"): "auto" (the default) where
   * the broker profile allows it, between events at the engine's progress interval; "off" never; or, for
   * tests, every `every` events from a table of `rows` rows. Results are byte-identical whichever is chosen.
   */
  retire?: "auto" | "off" | { every: number; rows: number };
}

export function simulate(written: ParsedScenario, options: SimulateOptions = {}): RunResult {
  const scenario = written.warmup === "auto" ? { ...written, warmup: automaticWarmup(written) } : written;
  return simulateResolved(scenario as ResolvedScenario, options);
}

/**
 * `simulate`, giving the event loop a turn every few tens of thousands of events so a signal handler can
 * run: when `signal` aborts, the run stops at the next turn and the promise rejects with its reason. The
 * pauses fall between events and change nothing the run computes: results are byte-identical to `simulate`.
 */
export async function simulateInterruptibly(
  written: ParsedScenario,
  options: SimulateOptions = {},
  signal?: AbortSignal,
): Promise<RunResult> {
  const finish = async (steps: Generator<void, RunResult, void>): Promise<RunResult> => {
    for (;;) {
      signal?.throwIfAborted();
      const step = steps.next();
      if (step.done) return step.value;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  let scenario = written as ResolvedScenario;
  if (written.warmup === "auto") {
    const pilot = await finish(simulateSteps({ ...written, warmup: 0 }, { series: "auto" }, true));
    scenario = { ...written, warmup: warmupOf(written, pilot) };
  }
  return finish(simulateSteps(scenario, options, true));
}

/** A scenario whose warm-up is a time: what the model runs. */
export type ResolvedScenario = ParsedScenario & { warmup: number };

/**
 * warmup: auto. A first run records the mean end-to-end latency per interval;
 * MSER-5 picks how many leading intervals to drop; the run is then repeated
 * with that warm-up. Both runs use the same seed, so the choice is reproducible.
 */
function automaticWarmup(scenario: ParsedScenario): number {
  return warmupOf(scenario, simulateResolved({ ...scenario, warmup: 0 } as ResolvedScenario, { series: "auto" }));
}

/** The warm-up MSER-5 picks from a pilot run's time series. */
function warmupOf(scenario: ParsedScenario, pilot: RunResult): number {
  const series = pilot.series!;
  const busy = series.points.filter((p) => p.start < scenario.duration && p.latencyCount > 0);
  const dropped = mser5(busy.map((p) => p.latencySum / p.latencyCount));
  return dropped === 0 ? 0 : busy[dropped]!.start;
}

function simulateResolved(scenario: ResolvedScenario, options: SimulateOptions): RunResult {
  const steps = simulateSteps(scenario, options, false);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** The observers one run needs: the witness, the time series and the per-priority latencies, each only when asked for. */
function runObservers(scenario: ResolvedScenario, options: SimulateOptions) {
  // The witness gathers counter-examples; a scenario that states no delivery, ordering or side-effect
  // expectation has no check to give them to, and its runs skip the cost.
  const expect = scenario.expect;
  const needsWitness =
    expect.delivery !== undefined || expect.ordering !== undefined || expect.sideEffects !== undefined;
  const witness = needsWitness ? new Witness(...witnessArguments(scenario)) : undefined;
  const interval =
    options.series === undefined
      ? undefined
      : options.series === "auto"
        ? niceInterval(scenario.duration * 1.1)
        : options.series;
  // Not an observer: the run's metrics recorder feeds it (recordSeries), as it counts every event already.
  const series = interval === undefined ? undefined : new TimeSeriesRecorder(interval, scenario.consumers.length);
  const byPriority = scenario.producers.some((p) => p.priority !== undefined)
    ? new PriorityLatencyRecorder(scenario.warmup)
    : undefined;
  const observers = [...(witness ? [witness] : []), ...(byPriority ? [byPriority] : []), ...(options.observers ?? [])];
  return { witness, series, byPriority, interval, observers };
}

/**
 * One run as steps: it yields between events when `pausable` (at the engine's progress interval), and
 * returns the result. Without `pausable` it never yields.
 */
function* simulateSteps(
  scenario: ResolvedScenario,
  options: SimulateOptions,
  pausable: boolean,
): Generator<void, RunResult, void> {
  const { witness, series, byPriority, interval, observers } = runObservers(scenario, options);
  const plan = retirementPlan(scenario, options.retire ?? "auto");
  const world = buildWorld(scenario, observers, plan.tableRows);
  for (const observer of observers) observer.watch?.(world.messages);
  const settlement = new Settlement(world.messages, world.groupNames.length, (m, g) => witness?.dropOf(m, g));
  world.messages.onRetireRange((from, to) => settlement.settleRange(from, to));
  const retirement = plan.retiring ? retirementOf(world, plan.eagerlyApart) : null;
  if (series) world.metrics.recordSeries(series, world.deliveries);
  if (interval !== undefined) for (const dependency of world.patterns.dependencies) dependency.recordSeries(interval);
  if (interval !== undefined) for (const writes of world.writes) writes?.recordSeries(interval);
  if (interval !== undefined) world.flows?.writes?.recordSeries(interval);
  if (interval !== undefined) world.requests?.recordSeries(interval);
  if (interval !== undefined) for (const figures of world.batchFigures) figures?.recordSeries(interval);
  const faults = new FaultInjector(world.faults, faultWorldOf(world));
  faults.start();
  for (const producer of world.producers) producer.start();
  const horizon = scenario.duration + scenario.drainTimeout;
  const onProgress = options.onProgress;
  const checkMemory = memoryWatch(scenario.limits.maxMemory);
  const limits = {
    untilTime: horizon,
    maxEvents: scenario.limits.maxEvents,
    ...plan.progress,
    onProgress: (now: number) => {
      retirement?.retire();
      checkMemory(now, world.sim.events);
      onProgress?.(now, scenario.duration);
      if (pausable) world.sim.stop();
    },
  };
  let outcome = world.sim.run(limits);
  while (outcome.kind === "stopped") {
    yield;
    outcome = world.sim.run(limits);
  }
  world.metrics.finish(world.sim.now);
  faults.finish();
  const settled = settle(world, settlement);
  return {
    scenario,
    endedAt: world.sim.now,
    events: outcome.events,
    drained: outcome.kind === "drained",
    counts: { ...world.metrics.counts, ...settled.counts },
    endToEnd: world.metrics.endToEnd.snapshot(),
    queueWait: world.metrics.queueWait.snapshot(),
    ...(byPriority ? { byPriority: byPriority.finish() } : {}),
    maxDepth: world.metrics.maxDepth,
    maxLag: world.metrics.maxLag,
    consumedDuringRun: world.metrics.consumedDuringRun,
    blockedMicros: world.metrics.blockedMicros,
    warmupDiscarded: world.metrics.warmupDiscarded,
    faults: faults.occurrences,
    ...(series ? { series: series.finish(world.sim.now) } : {}),
    ...(world.broker.figures ? { brokerFigures: world.broker.figures() } : {}),
    outOfOrder: witness?.outOfOrder ?? 0,
    examples: {
      lost: settled.firstLost,
      duplicated: witness?.firstDuplicate ?? null,
      repeatedSideEffect: witness?.firstRepeatedEffect ?? null,
      outOfOrder: witness?.firstOutOfOrder ?? null,
    },
    names: componentNames(scenario),
    ...patternFigures(world),
    ...outboxFigures(world),
    ...(world.schedules.size > 0 ? { schedules: Object.fromEntries(world.schedules) } : {}),
    ...(world.broker instanceof DelayedIntake ? { delays: { ...world.broker.delayFigures } } : {}),
    ...flowFigures(world, settled),
    ...(world.flows?.sagas ? { sagas: world.flows.sagas.finishRun(world.sim.now) } : {}),
    ...batchFigures(world),
    ...publishBatchFigures(world),
    ...requestFigures(world),
    ...(world.brokerTallies === null ? {} : { brokers: world.brokerTallies.tallies.map((t) => ({ ...t })) }),
  };
}

function requestFigures(world: World): { requests?: Record<string, RequestResult> } {
  const requests = requestResults(world.requests);
  return requests === undefined ? {} : { requests };
}

/** Producers' and stages' writes, by producer or group name (validation keeps the names apart). */
function outboxFigures(world: World): { outbox?: Record<string, WritesResult> } {
  const stages = world.flows?.writes?.results();
  const outbox = stages === undefined ? writesResults(world.writes) : { ...writesResults(world.writes), ...stages };
  return outbox === undefined ? {} : { outbox };
}

/** The stages' figures, when the scenario has stages: the recorder's, and each group's share of the settlement. */
function flowFigures(world: World, settled: ReturnType<typeof settle>): Pick<RunResult, "flows"> {
  if (world.flows === null) return {};
  // Every message is a root (a producer's) or onward (recorded once, when a stage published it).
  const roots = world.messages.count - world.flows.lineage.onwardCount;
  const { lostByGroup, pendingByGroup } = settled;
  const gathers = world.flows.gathers.map((gather) => (gather === null ? null : { ...gather.figures }));
  const hopLimited = world.scenario.consumers.map((c, group) =>
    c.maxHops === undefined ? null : world.flows!.hopLimited[group]!,
  );
  return { flows: { ...world.flows.recorder.finish(), lostByGroup, pendingByGroup, roots, gathers, hopLimited } };
}

/** Each batching producer's figures, when some producer batches. */
function publishBatchFigures(world: World): { publishBatches?: Record<string, PublishBatchFiguresSnapshot> } {
  if (world.publishBatchFigures.every((figures) => figures === null)) return {};
  const publishBatches: Record<string, PublishBatchFiguresSnapshot> = {};
  world.publishBatchFigures.forEach((figures, written) => {
    if (figures !== null) publishBatches[world.scenario.producers[written]!.name] = figures.snapshot();
  });
  return { publishBatches };
}

/** Each batching group's figures, when some group batches. */
function batchFigures(world: World): { batches?: Record<string, BatchFiguresSnapshot> } {
  if (world.batchFigures.every((figures) => figures === null)) return {};
  const batches: Record<string, BatchFiguresSnapshot> = {};
  world.batchFigures.forEach((figures, group) => {
    if (figures !== null) batches[world.groupNames[group]!] = figures.snapshot();
  });
  return { batches };
}

/** The figures of the run's dependencies and retry policies, when it has any. */
function patternFigures(world: World): { patterns?: PatternFigures } {
  const { dependencies, retryFigures, limiterFigures, publishLimits } = world.patterns;
  if (dependencies.length === 0 && retryFigures.every((f) => f === null) && publishLimits.every((p) => p === null))
    return {};
  const figures: PatternFigures = { dependencies: {}, retries: {}, breakers: {}, limiters: {}, series: {} };
  for (const dependency of dependencies) {
    const series = dependency.seriesRecorded();
    if (series !== null) figures.series[dependency.name] = series;
  }
  limiterFigures.forEach((group, index) => {
    if (group !== null) figures.limiters[world.groupNames[index]!] = { ...group };
  });
  for (const producer of publishLimits)
    if (producer !== null) figures.limiters[producer.name] = { ...producer.figures };
  for (const dependency of dependencies) figures.dependencies[dependency.name] = dependency.finish();
  for (const breaker of world.patterns.breakers) figures.breakers[breaker.name] = breaker.finish(world.sim.now);
  retryFigures.forEach((group, index) => {
    if (group !== null) figures.retries[world.groupNames[index]!] = group;
  });
  return { patterns: figures };
}

/**
 * Classifies every (message, group) obligation still in the message table once the run has ended; the
 * retired ones were classified as they were retired (see Settlement).
 */
function settle(
  world: World,
  settlement: Settlement,
): {
  counts: SettledCounts;
  firstLost: Example | null;
  lostByGroup: number[];
  pendingByGroup: number[];
} {
  const { messages, broker, groupNames } = world;
  const base = messages.base;
  const held = groupNames.map(() => new Uint8Array(messages.count - base));
  // Stragglers (below the base) are classified one by one, each with its own marks.
  const stragglers = new Map(messages.stragglerIds().map((id) => [id, groupNames.map(() => new Uint8Array(1))]));
  const hold = (message: number, group: number) => {
    if (message >= base) held[group]![message - base] = 1;
    else stragglers.get(message)![group]![0] = 1;
  };
  broker.forEachHeld(hold);
  world.extraBrokers?.forEachHeld(hold);
  for (const [message, marks] of stragglers) settlement.settleRange(message, message + 1, marks);
  settlement.settleRange(base, messages.count, held);
  const { lostByGroup, pendingByGroup } = settlement;
  return {
    counts: { ...settlement.counts },
    firstLost: settlement.firstLostExample(world.sim.now),
    lostByGroup,
    pendingByGroup,
  };
}

function witnessArguments(scenario: ParsedScenario) {
  const producers = scenario.producers.reduce((sum, p) => sum + p.instances, 0);
  const keySpace = Math.max(1, ...scenario.producers.map((p) => (p.keys === "none" ? 1 : p.keys.count)));
  const repeatsMatter = scenario.consumers.map((c) => c.idempotency.strategy !== "natural");
  // Ordering is judged, and out-of-order consumptions counted, only in the scope the scenario asks for.
  const scope = scenario.expect.ordering ?? "none";
  return [scenario.consumers.length, producers, keySpace, scope, repeatsMatter] as const;
}
