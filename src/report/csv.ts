import { stringify } from "csv-stringify/sync";
import { PERCENTILES } from "../metrics/latency.js";
import type { RunResult } from "../run/simulate.js";
import { microsToMillis } from "../units/units.js";

/** A cell that is a number as written (-5, 2.5e-3): a spreadsheet reads it as that number, never a formula. */
const NUMBER_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
/** First characters that make a spreadsheet read a cell as a formula (the OWASP CSV-injection list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell made safe to open in a spreadsheet: text that could start a formula (=, +, -, @, tab, carriage
 * return) gets a leading single quote, per the OWASP rule for CSV injection. Numbers, and text that is
 * exactly a number, stay as they are: -5 is a number, not a formula.
 */
export function neutralizeCell(cell: unknown): unknown {
  if (typeof cell !== "string" || NUMBER_TEXT.test(cell) || !FORMULA_START.test(cell)) return cell;
  return `'${cell}`;
}

/** Every CSV file queuesim writes goes through here, so no cell from user text reaches a spreadsheet raw. */
export function csvText(rows: readonly (readonly unknown[])[]): string {
  return stringify(rows.map((row) => row.map(neutralizeCell)));
}

/**
 * The run's data as CSV files that load straight into pandas, Excel or DuckDB:
 * snake_case headers with units in the name, one row per interval or percentile.
 * Column meanings are documented in docs/output.md.
 */
export function timeSeriesCsv(result: RunResult): string {
  const series = result.series;
  if (!series) throw new Error("invariant: a time series was not recorded for this run");
  const groups = result.names.groups;
  const perSecond = 1e6 / series.intervalMicros;
  const header = [
    "time_s",
    "published_per_s",
    "consumed_per_s",
    "delivered_per_s",
    "redelivered_per_s",
    "dead_lettered_per_s",
    "dropped_per_s",
    "rejected_per_s",
    "blocked_ms",
    "in_flight",
    "e2e_p50_ms",
    "e2e_p99_ms",
    ...groups.flatMap((g) => [`depth_${g}`, `lag_${g}`]),
  ];
  const rows = series.points.map((p) => [
    p.start / 1e6,
    round(p.published * perSecond),
    round(p.consumed * perSecond),
    round(p.delivered * perSecond),
    round(p.redelivered * perSecond),
    round(p.deadLettered * perSecond),
    round(p.dropped * perSecond),
    round(p.rejected * perSecond),
    microsToMillis(p.blocked),
    p.inFlight,
    microsToMillis(p.latencyP50),
    microsToMillis(p.latencyP99),
    ...groups.flatMap((_, g) => [p.depth[g] ?? 0, p.lag[g] ?? 0]),
  ]);
  return csvText([header, ...rows]);
}

export function latencyPercentilesCsv(result: RunResult): string {
  const rows = PERCENTILES.map((p, i) => [
    p,
    microsToMillis(result.endToEnd.percentiles[i]!),
    microsToMillis(result.queueWait.percentiles[i]!),
  ]);
  return csvText([["percentile", "end_to_end_ms", "queue_wait_ms"], ...rows]);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
