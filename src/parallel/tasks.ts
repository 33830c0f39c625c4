/**
 * The unit of work of every many-run command (replications, sweep points, compared profiles): one scenario
 * run with one seed, reduced at once to the replication metrics. A `TaskRunner` runs a list of tasks and
 * returns their metrics in task order; the local pool of worker threads is one runner, BullMQ workers on
 * other machines another (src/distributed/). Both run `runScenario` and then `metricsOf` on the same
 * validated scenario and seed, so whichever ran a task, its metrics are the same numbers.
 */
import type { Run } from "../report/run.js";
import type { Summary } from "../report/summary.js";
import type { ParsedScenario } from "../scenario/schema.js";
import { type ParallelOptions, runAll } from "./pool.js";

/** The metrics replications report, by the summary.json path they come from. */
export const METRICS: readonly { name: string; read: (summary: Summary) => number }[] = [
  { name: "throughput.consumed", read: (s) => s.throughput.consumed },
  { name: "latency.endToEnd.mean", read: (s) => s.latency.endToEnd.mean },
  { name: "latency.endToEnd.p50", read: (s) => s.latency.endToEnd.p50 },
  { name: "latency.endToEnd.p95", read: (s) => s.latency.endToEnd.p95 },
  { name: "latency.endToEnd.p99", read: (s) => s.latency.endToEnd.p99 },
  { name: "latency.endToEnd.max", read: (s) => s.latency.endToEnd.max },
  { name: "latency.queueWait.mean", read: (s) => s.latency.queueWait.mean },
  { name: "latency.queueWait.p99", read: (s) => s.latency.queueWait.p99 },
  { name: "messages.lost", read: (s) => s.messages.lost },
  { name: "messages.duplicated", read: (s) => s.messages.duplicated },
  { name: "messages.pending", read: (s) => s.messages.pending },
  { name: "messages.redeliveries", read: (s) => s.messages.redeliveries },
  { name: "messages.sideEffectsRepeated", read: (s) => s.messages.sideEffectsRepeated },
  { name: "backpressure.maxDepth", read: (s) => s.backpressure.maxDepth },
  { name: "backpressure.maxLag", read: (s) => s.backpressure.maxLag },
  { name: "backpressure.blockedMs", read: (s) => s.backpressure.blockedMs },
];

export const METRIC_NAMES = METRICS.map((m) => m.name);

/** A task's result: every metric of METRICS by name, and its pattern figures. */
export type TaskMetrics = Record<string, number>;

/** Figures of the application patterns that sweeps and comparisons report, per dependency, group and breaker. */
const PATTERN_FIGURES = {
  dependencies: [
    "calls",
    "amplification",
    "errors",
    "timeouts",
    "unknownOutcomes",
    "effectsApplied",
    "peakConcurrency",
  ],
  retries: ["retries", "gaveUp", "deadLettered", "attemptsPerDelivery"],
  breakers: ["opened", "callsRefused", "openMs"],
  limiters: ["meanDelayMs", "maxDelayMs"],
  outbox: ["unpublished", "relayDuplicates", "backlogPeak"],
} as const;

const OPTIONAL_FIGURES = ["redriven", "redrivenConsumed", "maxWaiting"] as const;

/**
 * Whether a metric name reads a pattern figure (dependencies.payments.amplification) or a pipeline stage's
 * (stages.transcode.latency.p99, endToEnd.completed), which only some runs have.
 */
export function isPatternMetric(name: string): boolean {
  return (
    /^(dependencies|retries|breakers|limiters|outbox|stages|requests|brokers)\.[^.]+(\.[^.]+)*\.[A-Za-z0-9]+$/.test(
      name,
    ) ||
    /^endToEnd\.(completed|latency\.(mean|p50|p95|p99|max))$/.test(name) ||
    isMessageFlowMetric(name)
  );
}

/** Figures of each pipeline stage that many-run commands report (docs/patterns.md, "Flows"). */
const STAGE_COUNTS = ["received", "publishedOnward", "consumed", "lost", "duplicated"] as const;
const STAGE_LATENCIES = ["mean", "p99"] as const;

/** A run's stage metrics, named by their summary.json path: none when no group publishes onward. */
function stageMetrics(summary: Summary): [string, number][] {
  if (summary.stages === undefined || summary.endToEnd === undefined) return [];
  const metrics: [string, number][] = [];
  for (const [group, stage] of Object.entries(summary.stages)) {
    for (const figure of STAGE_COUNTS) metrics.push([`stages.${group}.${figure}`, stage[figure]]);
    for (const figure of STAGE_LATENCIES) metrics.push([`stages.${group}.latency.${figure}`, stage.latency[figure]]);
  }
  const { endToEnd } = summary;
  metrics.push(["endToEnd.completed", endToEnd.completed]);
  for (const figure of STAGE_LATENCIES) metrics.push([`endToEnd.latency.${figure}`, endToEnd.latency[figure]]);
  return metrics;
}

/** Figures of each broker that many-run commands report, with `brokers:` (docs/patterns.md, "A second broker"). */
const BROKER_FIGURES = ["accepted", "deliveries", "redeliveries", "maxDepth", "lost", "duplicated", "pending"] as const;

/** A run's per-broker metrics, named by their summary.json path: none without `brokers:`. */
function brokerMetrics(summary: Summary): [string, number][] {
  const metrics: [string, number][] = [];
  for (const [name, broker] of Object.entries(summary.brokers ?? {}))
    for (const figure of BROKER_FIGURES) metrics.push([`brokers.${name}.${figure}`, broker[figure]]);
  return metrics;
}

/** Figures of each requester that many-run commands report (docs/patterns.md, "Request-reply"). */
const REQUEST_COUNTS = [
  "sent",
  "repliedInTime",
  "timedOut",
  "retried",
  "lateReplies",
  "failedAfterRetries",
  "duplicateExecutions",
  "duplicatesAbsorbed",
] as const;

/** A run's requester metrics, named by their summary.json path: none when no producer sends requests. */
function requestMetrics(summary: Summary): [string, number][] {
  const metrics: [string, number][] = [];
  for (const [name, requests] of Object.entries(summary.requests ?? {})) {
    for (const figure of REQUEST_COUNTS) metrics.push([`requests.${name}.${figure}`, requests[figure]]);
    for (const figure of STAGE_LATENCIES)
      metrics.push([`requests.${name}.latencyMs.${figure}`, requests.latencyMs[figure]]);
  }
  return metrics;
}

/** The pattern metrics of one run, named by their summary.json path: none when it declares no patterns. */
function patternMetrics(summary: Summary): [string, number][] {
  const metrics: [string, number][] = [];
  for (const section of ["dependencies", "retries", "breakers", "limiters", "outbox"] as const) {
    const entries = Object.entries((summary[section] ?? {}) as unknown as Record<string, Record<string, unknown>>);
    for (const [name, figures] of entries) {
      for (const figure of PATTERN_FIGURES[section])
        metrics.push([`${section}.${name}.${figure}`, Number(figures[figure])]);
      // Figures only some entries have: a group's redrives, a producer's client backlog.
      for (const figure of OPTIONAL_FIGURES)
        if (typeof figures[figure] === "number") metrics.push([`${section}.${name}.${figure}`, figures[figure]]);
    }
  }
  return metrics;
}

/**
 * Figures of recurring producers, delays and batches that many-run commands report, by summary.json section:
 * per producer with a schedule, the broker's delays, per batching group, per batching producer.
 */
const MESSAGE_FLOW_FIGURES = {
  schedules: ["ticks", "missed", "skipped", "caughtUp", "latenessMsMean", "latenessMsMax"],
  batches: ["batches", "meanSize", "abandoned"],
  publishBatches: ["batches", "meanSize", "lostUnsent"],
} as const;
const DELAY_FIGURES = ["held", "blockedByHead", "blockedMsMean", "blockedMsMax"] as const;

/** Whether a metric name reads a schedule, delay or batch figure (schedules.reports.missed, delays.blockedByHead). */
function isMessageFlowMetric(name: string): boolean {
  const [section, ...rest] = name.split(".");
  if (section === "delays") return rest.length === 1 && (DELAY_FIGURES as readonly string[]).includes(rest[0]!);
  const figures = MESSAGE_FLOW_FIGURES[section as keyof typeof MESSAGE_FLOW_FIGURES] as readonly string[] | undefined;
  return figures !== undefined && rest.length === 2 && figures.includes(rest[1]!);
}

/** A run's schedule, delay and batch metrics, named by their summary.json path: none when it has none of them. */
function messageFlowMetrics(summary: Summary): [string, number][] {
  const metrics: [string, number][] = [];
  for (const section of ["schedules", "batches", "publishBatches"] as const) {
    const entries = Object.entries((summary[section] ?? {}) as unknown as Record<string, Record<string, number>>);
    for (const [name, figures] of entries)
      for (const figure of MESSAGE_FLOW_FIGURES[section])
        metrics.push([`${section}.${name}.${figure}`, figures[figure]!]);
  }
  const delays = summary.delays;
  if (delays !== undefined) for (const figure of DELAY_FIGURES) metrics.push([`delays.${figure}`, delays[figure]]);
  return metrics;
}

/** Every metric name in some row, the fixed ones first: what a study reports. */
export function metricNamesOf(rows: readonly Record<string, number>[]): string[] {
  const names = new Set<string>(METRIC_NAMES);
  for (const row of rows) for (const name of Object.keys(row)) names.add(name);
  return [...names];
}

/** A run's metrics: the fixed ones, then its pattern, stage, schedule, delay and batch figures (those it has). */
export function metricsOf(run: Run): TaskMetrics {
  return Object.fromEntries([
    ...METRICS.map((m) => [m.name, m.read(run.summary)]),
    ...patternMetrics(run.summary),
    ...stageMetrics(run.summary),
    ...requestMetrics(run.summary),
    ...brokerMetrics(run.summary),
    ...messageFlowMetrics(run.summary),
  ]);
}

/** One run to make: the validated scenario, the seed to run it with and, for runners that send the work elsewhere, the scenario as written. */
export interface SimulationTask {
  scenario: ParsedScenario;
  seed: number;
  /** The scenario as written (JSON-safe); validating it gives `scenario` again, on another machine. */
  written?: Record<string, unknown>;
  /** For progress and failure messages: "point 3, replication 2". */
  label: string;
}

/**
 * What explore needs of a run instead of its metrics: whether the scenario's expectations held and the names
 * of those that failed (explore makes the failure signature from them), or that the run went over a budget
 * (explore skips such a plan). Plain JSON, the same whichever machine ran it.
 */
export type TaskJudgement = { overBudget: true } | { overBudget: false; passed: boolean; failedChecks: string[] };

/** A run's judgement: its failed expectations in the order the summary lists them. */
export function judgementOf(run: Run): TaskJudgement {
  const failedChecks = run.summary.checks.filter((check) => !check.passed).map((check) => check.name);
  return { overBudget: false, passed: run.summary.passed, failedChecks };
}

export interface TaskRunner {
  /** Runs every task and returns their metrics in task order; `onDone(done, total)` after each. */
  run(tasks: readonly SimulationTask[], onDone?: (done: number, total: number) => void): Promise<TaskMetrics[]>;
  /**
   * Runs every task and returns their judgements in task order. Optional: explore uses it when given a
   * runner that sends work elsewhere, and runs on this machine's pool otherwise.
   */
  judge?(tasks: readonly SimulationTask[], onDone?: (done: number, total: number) => void): Promise<TaskJudgement[]>;
}

/** Runs tasks with `parallel.runner` when one is given, else on this machine's pool of worker threads. */
export function runTasks(tasks: readonly SimulationTask[], parallel: ParallelOptions = {}): Promise<TaskMetrics[]> {
  const runner = parallel.runner ?? localRunner(parallel.workers);
  return runner.run(tasks, parallel.onDone);
}

/** The local pool as a task runner. */
export function localRunner(workers: number | undefined): TaskRunner {
  return {
    async run(tasks, onDone) {
      const scenarios = tasks.map((task) => ({ ...task.scenario, seed: task.seed }));
      const runs = await runAll(
        scenarios,
        {},
        { ...(workers === undefined ? {} : { workers }), ...(onDone ? { onDone } : {}) },
      );
      return runs.map(metricsOf);
    },
  };
}
