/** The flat rows every output is built from: one per compared figure, one per experiment in error. */
import { describeRule } from "../compare.js";
import type { BrokerName, ExperimentVerdict } from "../experiment.js";
import type { SuiteReport } from "../runner.js";

export interface Row {
  broker: BrokerName;
  version: string;
  experiment: string;
  verdict: ExperimentVerdict["verdict"];
  figure: string;
  real: string;
  simulated: string;
  rule: string;
  why: string;
  /** "agree" or "disagree" for a figure; "" on an error row. */
  figureVerdict: string;
  knownReason: string;
  error: string;
  realMs: number;
}

export function rows(reports: readonly SuiteReport[]): Row[] {
  return reports.flatMap((report) => report.results.flatMap(({ verdict }) => verdictRows(verdict)));
}

function verdictRows(verdict: ExperimentVerdict): Row[] {
  const base = {
    broker: verdict.broker,
    version: verdict.version,
    experiment: verdict.id,
    verdict: verdict.verdict,
    knownReason: verdict.knownReason ?? "",
    error: verdict.error ?? "",
    realMs: verdict.realMs,
  };
  const empty = { figure: "", real: "", simulated: "", rule: "", why: "", figureVerdict: "" };
  if (verdict.figures.length === 0) return [{ ...base, ...empty }];
  return verdict.figures.map((figure) => ({
    ...base,
    figure: figure.figure,
    real: formatNumber(figure.real),
    simulated: formatNumber(figure.simulated),
    rule: describeRule(figure.rule),
    why: figure.rule.kind === "exact" ? "" : figure.rule.why,
    figureVerdict: figure.agrees ? "agree" : "disagree",
  }));
}

/** Up to three decimals, no trailing zeros, no thousands separators (CSV-friendly). */
export function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : String(value);
}

const BROKER_NAMES: Record<BrokerName, string> = {
  rabbitmq: "RabbitMQ",
  redis: "Redis",
  kafka: "Kafka",
  bullmq: "BullMQ",
};

/** "RabbitMQ 3.10.8". */
export function brokerTitle(report: Pick<SuiteReport, "broker" | "version">): string {
  return `${BROKER_NAMES[report.broker]} ${report.version}`;
}
