import { stringify } from "csv-stringify/sync";
import type { ComparisonRow } from "./compare.js";

const COLUMNS: [keyof ComparisonRow, string][] = [
  ["profile", "profile"],
  ["throughputPerS", "throughput_per_s"],
  ["latencyP50Ms", "latency_p50_ms"],
  ["latencyP99Ms", "latency_p99_ms"],
  ["latencyMaxMs", "latency_max_ms"],
  ["maxLag", "max_lag"],
  ["lost", "lost"],
  ["duplicated", "duplicated"],
  ["sideEffectsRepeated", "side_effects_repeated"],
  ["deadLettered", "dead_lettered"],
  ["pending", "pending"],
  ["passed", "passed"],
];

/** compare.csv: one row per profile. */
export function comparisonCsv(rows: readonly ComparisonRow[]): string {
  return stringify([COLUMNS.map(([, header]) => header), ...rows.map((row) => COLUMNS.map(([key]) => row[key]))]);
}

/** The comparison as an aligned terminal table. */
export function comparisonTable(rows: readonly ComparisonRow[]): string {
  const headers = [
    "profile",
    "msg/s",
    "p50 ms",
    "p99 ms",
    "max ms",
    "max lag",
    "lost",
    "dup",
    "repeated",
    "DLQ",
    "pending",
    "verdict",
  ];
  const cells = rows.map(rowCells);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [line(headers), ...cells.map(line)].join("\n");
}

/** One profile's row as display text, in column order: profile first, verdict last. */
export function rowCells(r: ComparisonRow): string[] {
  return [
    r.profile,
    r.throughputPerS.toFixed(1),
    r.latencyP50Ms.toFixed(2),
    r.latencyP99Ms.toFixed(2),
    r.latencyMaxMs.toFixed(2),
    String(r.maxLag),
    String(r.lost),
    String(r.duplicated),
    String(r.sideEffectsRepeated),
    String(r.deadLettered),
    String(r.pending),
    r.passed ? "passed" : "FAILED",
  ];
}
