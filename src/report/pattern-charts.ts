import type { TopLevelSpec } from "vega-lite";
import type { BreakerState } from "../patterns/breaker.js";
import type { DependencySeries } from "../patterns/dependency.js";
import type { PatternFigures } from "../patterns/retry-figures.js";
import {
  type ChartSpec,
  CONFIG,
  colorByName,
  faultLayers,
  GROUP_PAIRS,
  type Line,
  type TimeContext,
  timeChart,
  timeContextOf,
  timeRows,
  WIDTH,
} from "./charts.js";
import type { Run } from "./run.js";

/**
 * The charts of the application patterns (docs/patterns.md), for runs that
 * declare them: dependency calls and failures over time, circuit breaker
 * states over time (both with fault windows shaded), and attempts per delivery.
 */
export function patternChartSpecs(run: Run): ChartSpec[] {
  const figures = run.result.patterns;
  const series = run.result.series;
  if (figures === undefined || series === undefined) return [];
  const context = timeContextOf(run, series);
  const charts: ChartSpec[] = [];
  if (Object.keys(figures.series).length > 0) charts.push(dependencyChart(context, figures.series));
  if (Object.keys(figures.breakers).length > 0) charts.push(breakerChart(context, figures, run.result.endedAt));
  if (Object.keys(figures.retries).length > 0) charts.push(attemptsChart(figures));
  return charts;
}

function dependencyChart(context: TimeContext, series: Record<string, DependencySeries>): ChartSpec {
  const names = Object.keys(series);
  const lines: Line[] = names.flatMap((name, i) => {
    const [dark, light] = GROUP_PAIRS[i % GROUP_PAIRS.length]!;
    return [
      { label: `${name} calls`, color: dark },
      { label: `${name} failures`, color: light, dashed: true },
    ];
  });
  const interval = context.series.intervalMicros;
  const perSecond = 1e6 / interval;
  // Whole intervals only, as the other rate charts: the last one ends part way through.
  const intervals = Math.max(1, context.series.points.length - 1);
  const rows = Array.from({ length: intervals }, (_, k) =>
    timeRows(
      k * interval,
      lines,
      names.flatMap((name) => [
        (series[name]!.calls[k] ?? 0) * perSecond,
        (series[name]!.failures[k] ?? 0) * perSecond,
      ]),
    ),
  ).flat();
  return timeChart(context, {
    name: "dependency-calls",
    title: "Dependency calls",
    subtitle: `Calls to each dependency and those that failed (errors, timeouts, refusals), ${context.perInterval}`,
    yTitle: "calls/s",
    lines,
    rows,
  });
}

const STATE_COLORS: Record<BreakerState, string> = { closed: "#54a24b", "half-open": "#eeca3b", open: "#e45756" };

/** One band per breaker: its state over time, fault windows shaded behind. */
function breakerChart(context: TimeContext, figures: PatternFigures, endedAt: number): ChartSpec {
  const rows = Object.entries(figures.breakers).flatMap(([name, breaker]) => {
    const spans: { breaker: string; state: BreakerState; start_s: number; end_s: number }[] = [];
    let state: BreakerState = "closed";
    let since = 0;
    for (const transition of [...breaker.transitions, { at: endedAt, state: "closed" as const }]) {
      if (transition.at > since) spans.push({ breaker: name, state, start_s: since / 1e6, end_s: transition.at / 1e6 });
      state = transition.state;
      since = transition.at;
    }
    return spans;
  });
  const x = { scale: { domain: [0, context.endSeconds] } };
  const states = Object.keys(STATE_COLORS) as BreakerState[];
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Circuit breaker state", subtitle: "Closed, open or half-open over time, per group/dependency" },
    width: WIDTH,
    height: 40 * Object.keys(figures.breakers).length + 20,
    config: CONFIG,
    layer: [
      ...faultLayers(context.faults, x),
      {
        data: { values: rows },
        mark: { type: "rect", clip: true },
        encoding: {
          x: {
            field: "start_s",
            type: "quantitative",
            title: "time (s)",
            scale: { domain: x.scale.domain, nice: false },
          },
          x2: { field: "end_s" },
          y: { field: "breaker", type: "nominal", title: null },
          color: {
            field: "state",
            type: "nominal",
            title: "state",
            scale: { domain: states, range: states.map((s) => STATE_COLORS[s]) },
            legend: { orient: "top", direction: "horizontal" },
          },
        },
      },
    ],
  };
  return { name: "breaker-state", title: "Circuit breaker state", spec };
}

function attemptsChart(figures: PatternFigures): ChartSpec {
  const rows = Object.entries(figures.retries).flatMap(([group, retries]) =>
    retries.attempts.flatMap((count, attempts) => (attempts > 0 && count > 0 ? [{ group, attempts, count }] : [])),
  );
  const groups = Object.keys(figures.retries);
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Attempts per delivery", subtitle: "Deliveries by the number of attempts their processing took" },
    width: WIDTH,
    height: 200,
    config: CONFIG,
    data: { values: rows },
    mark: { type: "bar" },
    encoding: {
      x: { field: "attempts", type: "ordinal", title: "attempts", axis: { labelAngle: 0 } },
      xOffset: { field: "group", type: "nominal" },
      y: { field: "count", type: "quantitative", title: "deliveries" },
      color: colorByName("group", groups),
    },
  };
  return { name: "attempts", title: "Attempts per delivery", spec };
}
