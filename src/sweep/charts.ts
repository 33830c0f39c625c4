import type { TopLevelSpec } from "vega-lite";
import { meanInterval } from "../stats/confidence.js";
import type { SweepPartial } from "./sweep.js";

/** Metrics charted against the swept parameter, with their axis titles. */
const CHARTED: [metric: string, title: string][] = [
  ["backpressure.maxLag", "max consumer lag (messages)"],
  ["latency.endToEnd.p99", "end-to-end p99 (ms)"],
  ["latency.endToEnd.mean", "end-to-end mean (ms)"],
  ["throughput.consumed", "consumed (messages/s)"],
];

/** Pattern metrics charted when the runs have them (docs/patterns.md): what a retry policy sweep is for. */
const CHARTED_PATTERNS: [pattern: RegExp, title: string][] = [
  [/^dependencies\.[^.]+\.amplification$/, "calls per message"],
  [/^retries\.[^.]+\.deadLettered$/, "dead-lettered by the retry policy"],
  [/^breakers\..+\.openMs$/, "time open (ms)"],
  [/^stages\.[^.]+\.latency\.p99$/, "stage p99 from the root's publish (ms)"],
];

/** The fixed metrics, then each pattern metric some replication reported. */
function chartedMetrics(partial: SweepPartial): [string, string][] {
  const names = new Set(partial.results.flatMap((result) => result.replications.flatMap((r) => Object.keys(r))));
  const patterns = [...names].flatMap((name): [string, string][] => {
    const match = CHARTED_PATTERNS.find(([pattern]) => pattern.test(name));
    return match === undefined ? [] : [[name, `${name.split(".")[1]}: ${match[1]}`]];
  });
  return [...CHARTED, ...patterns];
}

const FONT = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif";

export interface SweepChart {
  name: string;
  spec: TopLevelSpec;
}

/**
 * One line chart per key metric: the metric's mean against the first swept
 * parameter, one line per value of the second parameter (if any), with the
 * 95% interval over replications as a band. Numeric parameters only for the x axis.
 */
export function sweepCharts(partial: SweepPartial): SweepChart[] {
  const [xName, seriesName] = partial.parameters;
  if (xName === undefined || partial.results.some((r) => typeof r.values[0] !== "number")) return [];
  return chartedMetrics(partial).map(([metric, yTitle]) => {
    const rows = partial.results.map((result) => {
      const interval = meanInterval(result.replications.map((r) => r[metric]!));
      const finite = Number.isFinite(interval.halfWidth);
      return {
        x: result.values[0] as number,
        series: seriesName === undefined ? "all" : String(result.values[1]),
        mean: interval.mean,
        low: finite ? interval.low : interval.mean,
        high: finite ? interval.high : interval.mean,
      };
    });
    const color = {
      field: "series",
      type: "nominal" as const,
      title: seriesName ?? "",
      legend: seriesName === undefined ? null : { orient: "top" as const },
    };
    const integers = partial.results.every((r) => Number.isInteger(r.values[0]));
    const x = {
      field: "x",
      type: "quantitative" as const,
      title: xName,
      scale: { zero: false },
      ...(integers ? { axis: { tickMinStep: 1, format: "d" } } : {}),
    };
    const spec: TopLevelSpec = {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `${metric} against ${xName}`,
        subtitle: `mean of ${partial.replications} replication(s) per point, 95% band`,
      },
      width: 640,
      height: 260,
      data: { values: rows },
      layer: [
        {
          mark: { type: "area", opacity: 0.2 },
          encoding: { x, y: { field: "low", type: "quantitative" }, y2: { field: "high" }, color },
        },
        {
          mark: { type: "line", point: true },
          encoding: { x, y: { field: "mean", type: "quantitative", title: yTitle }, color },
        },
      ],
      config: { font: FONT, view: { stroke: "#ccc" } },
    };
    // A breaker's name holds a slash (orders/payments): not in a file name.
    return { name: metric.replaceAll(/[./]/g, "-"), spec };
  });
}
