import { formatDuration } from "../units/units.js";
import {
  type ChartSpec,
  faultWindows,
  GROUP_PAIRS,
  type Line,
  type TimeContext,
  timeChart,
  timeRows,
} from "./charts.js";
import type { Run } from "./run.js";

/**
 * The outbox chart (docs/patterns.md#outbox-dual-write-against-a-transactional-outbox), for runs with
 * producer writes: per producer, the most events committed and not yet published (or outbox rows not
 * yet marked sent) in each interval, fault windows shaded, so a relay's catch-up after a crash shows.
 */
export function outboxChartSpecs(run: Run): ChartSpec[] {
  const outbox = run.result.outbox;
  const series = run.result.series;
  if (outbox === undefined || series === undefined) return [];
  const names = Object.keys(outbox).filter((name) => outbox[name]!.backlogSeries !== undefined);
  if (names.length === 0) return [];
  const context: TimeContext = {
    series,
    endSeconds: Math.max(run.result.endedAt, series.intervalMicros) / 1e6,
    faults: faultWindows(run.summary.faults),
    perInterval: `per ${formatDuration(series.intervalMicros)} interval`,
  };
  const lines: Line[] = names.map((name, i) => ({
    label: `${name} (${outbox[name]!.mode})`,
    color: GROUP_PAIRS[i % GROUP_PAIRS.length]![0],
  }));
  const intervals = Math.max(1, series.points.length);
  // A backlog that ended before the run keeps its last value: the series stops at its last change.
  const rows = Array.from({ length: intervals }, (_, k) =>
    timeRows(
      k * series.intervalMicros,
      lines,
      names.map((name) => {
        const peaks = outbox[name]!.backlogSeries!.peaks;
        return peaks[Math.min(k, peaks.length - 1)] ?? 0;
      }),
    ),
  ).flat();
  return [
    timeChart(context, {
      name: "outbox-backlog",
      title: "Outbox backlog",
      subtitle: `Events committed and not yet published (dual write) or outbox rows not yet marked sent, most ${context.perInterval}`,
      yTitle: "messages",
      lines,
      rows,
    }),
  ];
}
