/**
 * What a simulation task looks like in Redis: plain data (the scenario as written, a seed, the version that
 * made it) under a deterministic job id, and the metrics as its return value. A worker validates the data
 * as any scenario file; nothing in it is ever executed.
 */
import { createHash } from "node:crypto";
import type { SimulationTask, TaskJudgement, TaskMetrics } from "../parallel/tasks.js";

/** The BullMQ queue every coordinator and worker uses (keys bull:queuesim:*). */
export const QUEUE_NAME = "queuesim";

export interface TaskJobData {
  /** The layout of this record, should it ever change. */
  format: 1;
  /** The queuesim version that made the task; a worker of another version refuses it. */
  version: string;
  label: string;
  seed: number;
  /** The scenario as written (a JSON object), validated again by the worker. */
  scenario: Record<string, unknown>;
  /** What the task returns: its metrics when absent (replications, sweeps, comparisons), its judgement (explore). */
  kind?: TaskKind;
}

/** The result a task is asked for: metrics (TaskMetrics) or a judgement (TaskJudgement). */
export type TaskKind = "metrics" | "judgement";

export function taskJobData(task: SimulationTask, version: string, kind: TaskKind = "metrics"): TaskJobData {
  if (!task.written) throw new Error(`invariant: task ${task.label} has no written scenario to send`);
  const data: TaskJobData = { format: 1, version, label: task.label, seed: task.seed, scenario: task.written };
  // Metrics tasks carry no kind, so their job ids stay those that earlier coordinators made.
  return kind === "metrics" ? data : { ...data, kind };
}

/**
 * The job id: a hash of the scenario, seed and version, so the same command enqueues the same ids, a rerun
 * finds the results already made, and two coordinators asking for one task share one job. Keys are sorted
 * so the order fields are written in does not matter.
 */
export function taskJobId(data: TaskJobData): string {
  const hash = createHash("sha256");
  // The kind is in the hash when present: a judgement and the metrics of one run are different results.
  hash.update(canonicalJson({ version: data.version, seed: data.seed, scenario: data.scenario, kind: data.kind }));
  return `task-${hash.digest("hex")}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Metrics as JSON that keeps NaN, ±Infinity and -0 (plain JSON would turn them into null and 0). */
export function encodeMetrics(metrics: TaskMetrics): string {
  return JSON.stringify(metrics, (_key, value: unknown) =>
    typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))
      ? { number: Object.is(value, -0) ? "-0" : String(value) }
      : value,
  );
}

export function encodeJudgement(judgement: TaskJudgement): string {
  return JSON.stringify(judgement);
}

export function decodeJudgement(text: string): TaskJudgement {
  return JSON.parse(text) as TaskJudgement;
}

export function decodeMetrics(text: string): TaskMetrics {
  return JSON.parse(text, (_key, value: unknown) =>
    value !== null && typeof value === "object" && typeof (value as { number?: unknown }).number === "string"
      ? Number((value as { number: string }).number)
      : value,
  ) as TaskMetrics;
}
