/** reports/conformance/conformance.csv: one row per figure, for spreadsheets and diffs between runs. */
import { stringify } from "csv-stringify/sync";
import type { Row } from "./rows.js";

const COLUMNS: (keyof Row)[] = [
  "broker",
  "version",
  "experiment",
  "verdict",
  "figure",
  "real",
  "simulated",
  "rule",
  "why",
  "figureVerdict",
  "knownReason",
  "error",
  "realMs",
];

export function conformanceCsv(rows: readonly Row[]): string {
  return stringify(
    rows.map((row) => COLUMNS.map((column) => row[column])),
    { header: true, columns: COLUMNS },
  );
}
