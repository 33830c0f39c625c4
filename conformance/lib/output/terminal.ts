/** The terminal table: experiment, figure, real, simulated, rule, verdict; errors spelled out below it. */
import type { Row } from "./rows.js";

const COLUMNS = ["experiment", "figure", "real", "simulated", "rule", "verdict"] as const;

export function terminalTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => [
    row.experiment,
    row.figure || "-",
    row.real || "-",
    row.simulated || "-",
    row.rule || "-",
    figureVerdict(row),
  ]);
  const widths = COLUMNS.map((name, i) => Math.max(name.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (i === 2 || i === 3 ? value.padStart(widths[i]!) : value.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const errors = [...new Set(rows.filter((r) => r.error).map((r) => `${r.experiment}: ${r.error}`))];
  return [line(COLUMNS), ...cells.map(line), ...(errors.length > 0 ? ["", ...errors] : [])].join("\n");
}

/** A figure's own verdict; a known disagreement says so; an error row says error. */
function figureVerdict(row: Row): string {
  if (row.verdict === "error") return "ERROR";
  if (row.figureVerdict === "agree") return "agree";
  return row.verdict === "known" ? "known" : "DISAGREE";
}
