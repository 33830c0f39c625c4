import type { TopLevelSpec } from "vega-lite";
import { PERCENTILES } from "../metrics/latency.js";
import type { SeriesPoint } from "../metrics/timeseries.js";
import { formatDuration } from "../units/units.js";
import { runChartSpecsOf } from "./charts.js";

/** Intervals of the made-up run: enough rows for every mark and axis, few enough to draw in a few ms warm. */
const INTERVALS = 24;
const INTERVAL_MICROS = 1_000_000;

/**
 * The six charts every run's report opens with (charts.ts), built by the real chart builders from a small made-up
 * run. The chart thread draws them while the main thread simulates and throws them away: vega's and vega-lite's
 * code is compiled and optimised by then, and the run's own charts draw about twice as fast as cold ones
 * (README, Speed). Nothing of them reaches a report.
 */
export function warmUpChartSpecs(): TopLevelSpec[] {
  const points = Array.from({ length: INTERVALS }, (_, k) => madeUpPoint(k));
  const latency = {
    count: 1000,
    mean: 2500,
    max: 40_000,
    percentiles: PERCENTILES.map((_, i) => 300 * (i + 1) ** 2),
  };
  const charts = runChartSpecsOf({
    context: {
      series: { intervalMicros: INTERVAL_MICROS, points },
      endSeconds: (INTERVALS * INTERVAL_MICROS) / 1e6,
      faults: [],
      perInterval: `per ${formatDuration(INTERVAL_MICROS)} interval`,
    },
    groups: ["workers"],
    endToEnd: latency,
    queueWait: { ...latency, mean: 1500 },
    outcomes: { consumed: 23_900, duplicated: 0, lost: 0, pending: 100, deadLettered: 0, rejected: 0 },
  });
  return charts.map((chart) => chart.spec);
}

/** An interval of a steady queue at about 1,000 messages a second, its figures varying a little from one to the next. */
function madeUpPoint(k: number): SeriesPoint {
  const wobble = (k * 37) % 11;
  return {
    start: k * INTERVAL_MICROS,
    published: 1000 + wobble,
    consumed: 995 + wobble,
    delivered: 995 + wobble,
    redelivered: 0,
    deadLettered: 0,
    dropped: 0,
    rejected: 0,
    blocked: 0,
    depth: [wobble],
    lag: [wobble + 4],
    inFlight: 4,
    latencyP50: 2000 + 40 * wobble,
    latencyP99: 9000 + 300 * wobble,
    latencySum: 2500 * (995 + wobble),
    latencyCount: 995 + wobble,
  };
}
