import { csvText } from "../report/csv.js";
import type { ComparisonRow } from "./compare.js";

/** Every column of the comparison, once: its field, CSV header, short terminal title, page title and display text. */
interface Column {
  key: keyof ComparisonRow;
  csv: string;
  terminal: string;
  page: string;
  show: (row: ComparisonRow) => string;
}

const COLUMNS: Column[] = [
  { key: "profile", csv: "profile", terminal: "profile", page: "profile", show: (r) => r.profile },
  {
    key: "throughputPerS",
    csv: "throughput_per_s",
    terminal: "msg/s",
    page: "msg/s",
    show: (r) => r.throughputPerS.toFixed(1),
  },
  {
    key: "latencyP50Ms",
    csv: "latency_p50_ms",
    terminal: "p50 ms",
    page: "p50 ms",
    show: (r) => r.latencyP50Ms.toFixed(2),
  },
  {
    key: "latencyP99Ms",
    csv: "latency_p99_ms",
    terminal: "p99 ms",
    page: "p99 ms",
    show: (r) => r.latencyP99Ms.toFixed(2),
  },
  {
    key: "latencyMaxMs",
    csv: "latency_max_ms",
    terminal: "max ms",
    page: "max ms",
    show: (r) => r.latencyMaxMs.toFixed(2),
  },
  { key: "maxLag", csv: "max_lag", terminal: "max lag", page: "max lag", show: (r) => String(r.maxLag) },
  { key: "lost", csv: "lost", terminal: "lost", page: "lost", show: (r) => String(r.lost) },
  { key: "duplicated", csv: "duplicated", terminal: "dup", page: "duplicated", show: (r) => String(r.duplicated) },
  {
    key: "sideEffectsRepeated",
    csv: "side_effects_repeated",
    terminal: "repeated",
    page: "repeated effects",
    show: (r) => String(r.sideEffectsRepeated),
  },
  {
    key: "deadLettered",
    csv: "dead_lettered",
    terminal: "DLQ",
    page: "dead-lettered",
    show: (r) => String(r.deadLettered),
  },
  { key: "pending", csv: "pending", terminal: "pending", page: "pending", show: (r) => String(r.pending) },
  { key: "passed", csv: "passed", terminal: "verdict", page: "verdict", show: (r) => (r.passed ? "passed" : "FAILED") },
];

/** Titles of the columns as the comparison page shows them. */
export const PAGE_TITLES = COLUMNS.map((column) => column.page);

/** compare.csv: one row per profile. */
export function comparisonCsv(rows: readonly ComparisonRow[]): string {
  return csvText([COLUMNS.map((c) => c.csv), ...rows.map((row) => COLUMNS.map((c) => row[c.key]))]);
}

/** The comparison as an aligned terminal table. */
export function comparisonTable(rows: readonly ComparisonRow[]): string {
  const headers = COLUMNS.map((c) => c.terminal);
  const cells = rows.map(rowCells);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [line(headers), ...cells.map(line)].join("\n");
}

/** One profile's row as display text, in column order: profile first, verdict last. */
export function rowCells(row: ComparisonRow): string[] {
  return COLUMNS.map((column) => column.show(row));
}
