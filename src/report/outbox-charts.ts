import { type ChartSpec, intervalRows, namedLines, timeChart, timeContextOf } from "./charts.js";
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
  const context = timeContextOf(run, series);
  const lines = namedLines(names, (name) => `${name} (${outbox[name]!.mode})`);
  // A backlog that ended before the run keeps its last value: the series stops at its last change.
  const rows = intervalRows(series, lines, (line, k) => {
    const peaks = outbox[names[line]!]!.backlogSeries!.peaks;
    return peaks[Math.min(k, peaks.length - 1)] ?? 0;
  });
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
