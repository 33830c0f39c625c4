import { type ChartSpec, intervalRows, namedLines, timeChart, timeContextOf } from "./charts.js";
import type { Run } from "./run.js";

/**
 * The request-reply charts (docs/patterns.md#request-reply), for runs with requesters: per requester, the
 * timeouts in each interval, and the mean latency (first send → reply) of the replies received in time in
 * each interval, fault windows shaded, so a responder slowdown and the retry storm after it show.
 */
export function requestChartSpecs(run: Run): ChartSpec[] {
  const requests = run.result.requests;
  const series = run.result.series;
  if (requests === undefined || series === undefined) return [];
  const names = Object.keys(requests).filter((name) => requests[name]!.series !== undefined);
  if (names.length === 0) return [];
  const context = timeContextOf(run, series);
  const lines = namedLines(names, (name) => `${name} → ${requests[name]!.to}`);
  const rowsOf = (values: (name: string) => number[]) =>
    intervalRows(series, lines, (line, k) => values(names[line]!)[k] ?? 0);
  return [
    timeChart(context, {
      name: "request-timeouts",
      title: "Request timeouts",
      subtitle: `Requests whose reply did not come within the timeout, ${context.perInterval}`,
      yTitle: "timeouts",
      lines,
      rows: rowsOf((name) => requests[name]!.series!.timeouts),
    }),
    timeChart(context, {
      name: "request-latency",
      title: "Request latency",
      subtitle: `Mean time from a request's first send to its reply, over the replies in time ${context.perInterval}`,
      yTitle: "ms",
      lines,
      rows: rowsOf((name) => requests[name]!.series!.latencyMeanMs),
    }),
  ];
}
