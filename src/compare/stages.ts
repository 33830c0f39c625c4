import { csvText } from "../report/csv.js";
import { text } from "../report/html.js";
import type { Run } from "../report/run.js";

/**
 * Per-stage figures of a single-run comparison (docs/patterns.md, "Flows"): one row per profile and
 * pipeline stage, then the profile's end-to-end flows, so duplicates and losses can be traced to the stage
 * where each broker let them in. Empty when the scenario has no stages.
 */
export interface StageRow {
  profile: string;
  /**
   * The consumer group, or "end to end": received is then the roots (producers' messages), consumed the
   * flows a last stage completed, and lost, duplicated and pending the stages' sums.
   */
  stage: string;
  received: number;
  publishedOnward: number;
  consumed: number;
  lost: number;
  duplicated: number;
  pending: number;
  latencyMeanMs: number;
  latencyP99Ms: number;
}

export const END_TO_END = "end to end";

export function stageRows(runs: readonly Run[]): StageRow[] {
  return runs.flatMap(({ summary }): StageRow[] => {
    if (summary.stages === undefined || summary.endToEnd === undefined) return [];
    const profile = summary.profile;
    const rows: StageRow[] = Object.entries(summary.stages).map(([stage, figures]) => ({
      profile,
      stage,
      received: figures.received,
      publishedOnward: figures.publishedOnward,
      consumed: figures.consumed,
      lost: figures.lost,
      duplicated: figures.duplicated,
      pending: figures.pending,
      latencyMeanMs: figures.latency.mean,
      latencyP99Ms: figures.latency.p99,
    }));
    // End to end: the roots (producers' messages) and the flows completed; losses, duplicates and pending
    // pairs summed over the stages, each counted where it happened.
    const { endToEnd } = summary;
    const sum = (key: "lost" | "duplicated" | "pending") => rows.reduce((total, row) => total + row[key], 0);
    rows.push({
      profile,
      stage: END_TO_END,
      received: endToEnd.roots,
      publishedOnward: 0,
      consumed: endToEnd.completed,
      lost: sum("lost"),
      duplicated: sum("duplicated"),
      pending: sum("pending"),
      latencyMeanMs: endToEnd.latency.mean,
      latencyP99Ms: endToEnd.latency.p99,
    });
    return rows;
  });
}

const COLUMNS: { key: keyof StageRow; csv: string; title: string }[] = [
  { key: "profile", csv: "profile", title: "profile" },
  { key: "stage", csv: "stage", title: "stage" },
  { key: "received", csv: "received", title: "received" },
  { key: "publishedOnward", csv: "published_onward", title: "onward" },
  { key: "consumed", csv: "consumed", title: "consumed" },
  { key: "lost", csv: "lost", title: "lost" },
  { key: "duplicated", csv: "duplicated", title: "dup" },
  { key: "pending", csv: "pending", title: "pending" },
  { key: "latencyMeanMs", csv: "latency_mean_ms", title: "mean ms" },
  { key: "latencyP99Ms", csv: "latency_p99_ms", title: "p99 ms" },
];

const cellsOf = (row: StageRow) =>
  COLUMNS.map(({ key }) => {
    const value = row[key];
    return typeof value === "number" && key.startsWith("latency") ? value.toFixed(2) : String(value);
  });

/** compare-stages.csv: one row per profile and stage, then its end-to-end row. */
export function stagesCsv(rows: readonly StageRow[]): string {
  return csvText([COLUMNS.map((c) => c.csv), ...rows.map((row) => COLUMNS.map((c) => row[c.key]))]);
}

/** The per-stage comparison as an aligned terminal table. */
export function stagesTable(rows: readonly StageRow[]): string {
  const headers = COLUMNS.map((c) => c.title);
  const cells = rows.map(cellsOf);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [line(headers), ...cells.map(line)].join("\n");
}

/** The per-stage table as an HTML section of compare/index.html; empty without stages. */
export function stagesHtml(rows: readonly StageRow[]): string {
  if (rows.length === 0) return "";
  const body = rows
    .map(
      (row) =>
        `<tr>${cellsOf(row)
          .map((cell) => `<td>${text(cell)}</td>`)
          .join("")}</tr>`,
    )
    .join("\n");
  return `<section>
<h2>Per stage</h2>
<table>
<thead><tr>${COLUMNS.map((c) => `<th>${c.title}</th>`).join("")}</tr></thead>
<tbody>
${body}
</tbody>
</table>
<p><a href="compare-stages.csv">compare-stages.csv</a></p>
</section>`;
}
