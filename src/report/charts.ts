import type { TopLevelSpec } from "vega-lite";
import { type LatencySnapshot, PERCENTILES } from "../metrics/latency.js";
import type { TimeSeries } from "../metrics/timeseries.js";
import { formatDuration, microsToMillis } from "../units/units.js";
import type { Run } from "./run.js";
import type { FaultSummary } from "./summary.js";

/**
 * The report's charts as vega-lite specs with their data inlined, so each one
 * renders on its own in any vega tool. Built from the run's plain results;
 * rendering them is render.ts's job.
 */
export interface ChartSpec {
  /** File name stem: charts/<name>.vl.json, .svg, .png. */
  name: string;
  title: string;
  spec: TopLevelSpec;
}

export type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number];

/** One line of a time chart: its legend label and colour. */
export interface Line {
  label: string;
  color: string;
  dashed?: boolean;
}

interface TimeRow {
  time_s: number;
  series: string;
  value: number;
}

/** One shaded fault window, in seconds. */
interface FaultWindow {
  fault: string;
  start_s: number;
  end_s: number;
}

const FONT = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif";
export const WIDTH = 720;
const HEIGHT = 230;

/** Tableau 10, the vega default, pinned so a colour means the same thing in every chart. */
export const PALETTE = {
  blue: "#4c78a8",
  orange: "#f58518",
  red: "#e45756",
  teal: "#72b7b2",
  green: "#54a24b",
  yellow: "#eeca3b",
  purple: "#b279a2",
  pink: "#ff9da6",
  brown: "#9d755d",
  grey: "#bab0ac",
} as const;
/** Light and dark pairs for depth and lag of one group (Tableau 20). */
export const GROUP_PAIRS = [
  ["#4c78a8", "#9ecae9"],
  ["#f58518", "#ffbf79"],
  ["#54a24b", "#88d27a"],
  ["#b79a20", "#f2cf5b"],
  ["#439894", "#83bcb6"],
  ["#e45756", "#ff9d98"],
  ["#79706e", "#bab0ac"],
  ["#d67195", "#fcbfd2"],
  ["#b279a2", "#d6a5c9"],
  ["#9e765f", "#d8b5a5"],
] as const;
/** Fault shading: saturated hues, drawn at low opacity behind the lines. */
const FAULT_COLORS = ["#e45756", "#eeca3b", "#b279a2", "#f58518", "#72b7b2", "#9d755d", "#ff9da6", "#79706e"];

export function chartSpecs(run: Run): ChartSpec[] {
  const series = run.result.series;
  if (!series) throw new Error("invariant: charts need a time series; simulate with the series option");
  return runChartSpecsOf({
    context: timeContextOf(run, series),
    groups: run.result.names.groups,
    endToEnd: run.result.endToEnd,
    queueWait: run.result.queueWait,
    outcomes: run.summary.messages,
  });
}

/** Where every (message, group) pair ended up: the counts the outcome chart shows. */
export type OutcomeCounts = Pick<
  Run["summary"]["messages"],
  "consumed" | "duplicated" | "lost" | "pending" | "deadLettered" | "rejected"
>;

/** What the six charts every run's report opens with are drawn from. */
export interface RunChartFigures {
  context: TimeContext;
  groups: string[];
  endToEnd: LatencySnapshot;
  queueWait: LatencySnapshot;
  outcomes: OutcomeCounts;
}

/** The six charts of `chartSpecs`, from their figures alone: the chart thread warms up on made-up ones (warm-up.ts). */
export function runChartSpecsOf(figures: RunChartFigures): ChartSpec[] {
  const { context } = figures;
  return [
    throughputChart(context),
    depthChart(context, figures.groups),
    latencyOverTimeChart(context),
    latencyDistributionChart(figures.endToEnd, figures.queueWait),
    troubleChart(context),
    outcomeChart(figures.outcomes),
  ];
}

export interface TimeContext {
  series: TimeSeries;
  endSeconds: number;
  faults: FaultWindow[];
  perInterval: string;
}

/** The time axis every over-time chart of a run shares: its intervals, its end, its fault windows. */
export function timeContextOf(run: Run, series: TimeSeries): TimeContext {
  return {
    series,
    // At least one interval wide, so a run where nothing happened still has a time axis.
    endSeconds: Math.max(run.result.endedAt, series.intervalMicros) / 1e6,
    faults: faultWindows(run.summary.faults),
    perInterval: `per ${formatDuration(series.intervalMicros)} interval`,
  };
}

/** The darker colour of each name's pair, in order: the palette every chart gives its groups and components. */
export function colorsInOrder(names: readonly string[]): string[] {
  return names.map((_, i) => GROUP_PAIRS[i % GROUP_PAIRS.length]![0]);
}

/** A colour channel by `field`, one colour per name in order, its legend on top: what a chart keyed by group shows. */
export function colorByName(field: string, names: readonly string[]) {
  return {
    field,
    type: "nominal",
    title: null,
    scale: { domain: [...names], range: colorsInOrder(names) },
    legend: { orient: "top", direction: "horizontal" },
  } as const;
}

/** One line per named component (a producer, a requester), coloured in order. */
export function namedLines(names: readonly string[], label: (name: string) => string): Line[] {
  const colors = colorsInOrder(names);
  return names.map((name, i) => ({ label: label(name), color: colors[i]! }));
}

/** The rows of `lines` (one per name, in order) over the run's intervals: `value(index, interval)`. */
export function intervalRows(series: TimeSeries, lines: Line[], value: (line: number, interval: number) => number) {
  return Array.from({ length: Math.max(1, series.points.length) }, (_, k) =>
    timeRows(
      k * series.intervalMicros,
      lines,
      lines.map((_, i) => value(i, k)),
    ),
  ).flat();
}

function throughputChart(context: TimeContext): ChartSpec {
  const lines: Line[] = [
    { label: "published", color: PALETTE.blue },
    { label: "consumed", color: PALETTE.green },
    { label: "redelivered", color: PALETTE.orange },
  ];
  const perSecond = 1e6 / context.series.intervalMicros;
  const rows = wholeIntervals(context.series).flatMap((p) =>
    timeRows(p.start, lines, [p.published * perSecond, p.consumed * perSecond, p.redelivered * perSecond]),
  );
  return timeChart(context, {
    name: "throughput",
    title: "Throughput",
    subtitle: `Messages published, consumed (first time) and redelivered, ${context.perInterval}`,
    yTitle: "messages/s",
    lines,
    rows,
  });
}

function depthChart(context: TimeContext, groups: string[]): ChartSpec {
  const lines: Line[] = groups.flatMap((group, g) => {
    const [dark, light] = GROUP_PAIRS[g % GROUP_PAIRS.length]!;
    return [
      { label: `${group} depth`, color: dark },
      { label: `${group} lag`, color: light, dashed: true },
    ];
  });
  const rows = context.series.points.flatMap((p) =>
    timeRows(
      p.start,
      lines,
      groups.flatMap((_, g) => [p.depth[g] ?? 0, p.lag[g] ?? 0]),
    ),
  );
  return timeChart(context, {
    name: "depth-and-lag",
    title: "Queue depth and consumer lag",
    subtitle: "Per group at the end of each interval: depth waits in the broker; lag is accepted but not yet consumed",
    yTitle: "messages",
    lines,
    rows,
  });
}

function latencyOverTimeChart(context: TimeContext): ChartSpec {
  const lines: Line[] = [
    { label: "p50", color: PALETTE.blue },
    { label: "p99", color: PALETTE.red },
  ];
  const rows = context.series.points
    .filter((p) => p.consumed > 0)
    .flatMap((p) => timeRows(p.start, lines, [microsToMillis(p.latencyP50), microsToMillis(p.latencyP99)]));
  // A slowdown can take latency from milliseconds to seconds; a log scale keeps both readable.
  const log = wideRange(rows.map((r) => r.value));
  return timeChart(context, {
    name: "latency-over-time",
    title: "End-to-end latency over time",
    subtitle: `Percentiles of messages first consumed in each interval, ${context.perInterval}${log ? "; log scale" : ""}`,
    yTitle: "latency (ms)",
    lines,
    rows: log ? rows.filter((r) => r.value > 0) : rows,
    ...(log ? { yScale: { type: "log" }, yTicks: decades(rows.map((r) => r.value)) } : {}),
  });
}

function troubleChart(context: TimeContext): ChartSpec {
  const lines: Line[] = [
    { label: "redelivered", color: PALETTE.orange },
    { label: "dead-lettered", color: PALETTE.purple },
    { label: "dropped", color: PALETTE.red },
    { label: "rejected", color: PALETTE.brown },
  ];
  const perSecond = 1e6 / context.series.intervalMicros;
  const rows = wholeIntervals(context.series).flatMap((p) =>
    timeRows(
      p.start,
      lines,
      [p.redelivered, p.deadLettered, p.dropped, p.rejected].map((count) => count * perSecond),
    ),
  );
  return timeChart(context, {
    name: "redeliveries",
    title: "Redeliveries and dead-letters",
    subtitle: `Redelivered, dead-lettered, dropped by the broker and rejected at publish, ${context.perInterval}`,
    yTitle: "messages/s",
    lines,
    rows,
  });
}

/**
 * The intervals a rate can be read from. The last one ends with the run, part
 * way through, so its count over a whole interval's length would show a false dip.
 */
function wholeIntervals(series: TimeSeries) {
  return series.points.length > 1 ? series.points.slice(0, -1) : series.points;
}

export function timeRows(startMicros: number, lines: Line[], values: number[]): TimeRow[] {
  return lines.map((line, i) => ({ time_s: startMicros / 1e6, series: line.label, value: round(values[i] ?? 0) }));
}

interface TimeChartOptions {
  name: string;
  title: string;
  subtitle: string;
  yTitle: string;
  lines: Line[];
  rows: TimeRow[];
  yScale?: { type: "log" };
  yTicks?: number[];
}

/** Lines over simulated time, behind them a shaded band for every fault window. */
export function timeChart(context: TimeContext, options: TimeChartOptions): ChartSpec {
  const empty = options.rows.every((row) => row.value === 0);
  const x = {
    field: "time_s",
    type: "quantitative" as const,
    title: "time (s)",
    scale: { domain: [0, round(context.endSeconds)], nice: false },
    axis: { tickCount: 10 },
  };
  const y = {
    field: "value",
    type: "quantitative",
    title: options.yTitle,
    // An all-zero series still gets a readable axis rather than a collapsed one.
    scale: options.yScale ?? (empty ? { domain: [0, 1] } : { zero: true }),
    ...(options.yTicks ? { axis: { values: options.yTicks, format: "," } } : {}),
  } as const;
  const domain = options.lines.map((l) => l.label);
  const legend = { orient: "top", direction: "horizontal", symbolType: "stroke", symbolStrokeWidth: 2.5 } as const;
  // Dashes share the colour legend (same field, same legend), so its symbols show them too.
  const dashes = options.lines.some((l) => l.dashed)
    ? {
        strokeDash: {
          field: "series",
          type: "nominal" as const,
          title: null,
          scale: { domain, range: options.lines.map((l) => (l.dashed ? [5, 3] : [1, 0])) },
          legend,
        },
      }
    : {};
  const lineLayer: Layer = {
    data: { values: options.rows },
    mark: { type: "line", strokeWidth: 1.6, interpolate: "linear", clip: true },
    encoding: {
      x,
      y,
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain, range: options.lines.map((l) => l.color) },
        legend,
      },
      ...dashes,
    },
  };
  const subtitle = empty ? `${options.subtitle}. None in this run.` : options.subtitle;
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: options.title, subtitle },
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    layer: [...faultLayers(context.faults, x), lineLayer],
  };
  return { name: options.name, title: options.title, spec };
}

/** Shaded windows with their colour legend, and each window's label along the top edge. */
export function faultLayers(windows: FaultWindow[], x: { scale: { domain: number[] } }): Layer[] {
  if (windows.length === 0) return [];
  const labels = [...new Set(windows.map((w) => w.fault))];
  const xScale = { domain: [...x.scale.domain], nice: false };
  return [
    {
      data: { values: windows },
      mark: { type: "rect", opacity: 0.16, clip: true },
      encoding: {
        x: { field: "start_s", type: "quantitative", scale: xScale },
        x2: { field: "end_s" },
        fill: {
          field: "fault",
          type: "nominal",
          title: "fault",
          scale: { domain: labels, range: labels.map((_, i) => FAULT_COLORS[i % FAULT_COLORS.length]!) },
          legend: {
            orient: "top",
            direction: "horizontal",
            titleOrient: "left",
            symbolType: "square",
            symbolOpacity: 0.45,
          },
        },
      },
    },
    ...(windows.length <= 6 ? [faultLabelLayer(windows, xScale)] : []),
  ];
}

/** Each window's label at its top-left corner; left to the legend alone when windows are many. */
function faultLabelLayer(windows: FaultWindow[], xScale: { domain: number[]; nice: boolean }): Layer {
  return {
    data: { values: windows },
    mark: { type: "text", align: "left", baseline: "top", dx: 3, dy: 3, fontSize: 10, color: "#555", clip: true },
    encoding: {
      x: { field: "start_s", type: "quantitative", scale: xScale },
      y: { value: 0 },
      text: { field: "fault", type: "nominal" },
    },
  };
}

/** Merges occurrences of the same fault with the same window (a slowdown of four consumers is one band). */
export function faultWindows(faults: FaultSummary[]): FaultWindow[] {
  // One pass over the occurrences: a fault that recurs every microsecond has millions of them.
  const targetsOf = new Map<number, { kind: string; targets: Set<string> }>();
  for (const fault of faults) {
    const entry = targetsOf.get(fault.fault) ?? { kind: fault.kind, targets: new Set<string>() };
    entry.targets.add(fault.target);
    targetsOf.set(fault.fault, entry);
  }
  const labels = new Map<number, string>();
  for (const [index, { kind, targets }] of targetsOf) {
    const distinct = [...targets].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    labels.set(index, `${kind} ${targetList(distinct)}`);
  }
  // Ordered by fault, so legend colours follow the scenario's fault list.
  const windows = new Map<string, FaultWindow & { order: number }>();
  for (const fault of faults) {
    const window = {
      order: fault.fault,
      fault: labels.get(fault.fault)!,
      start_s: fault.startMs / 1000,
      end_s: fault.endMs / 1000,
    };
    windows.set(`${fault.fault}:${fault.startMs}:${fault.endMs}`, window);
  }
  return [...windows.values()].sort((a, b) => a.order - b.order).map(({ order: _, ...window }) => window);
}

/** billing/1, billing/2, billing/3 → billing/1,2,3; long lists are cut short with a count. */
export function targetList(targets: string[]): string {
  const slash = targets[0]?.lastIndexOf("/") ?? -1;
  const prefix = slash > 0 ? targets[0]!.slice(0, slash + 1) : "";
  const shared = prefix !== "" && targets.every((t) => t.startsWith(prefix) && !t.slice(prefix.length).includes("/"));
  const parts = shared ? targets.map((t) => t.slice(prefix.length)) : targets;
  const shown = parts.length > 4 ? [...parts.slice(0, 3), `… (${parts.length})`] : parts;
  return shared ? `${prefix}${shown.join(",")}` : shown.join(", ");
}

/**
 * Latency percentiles the way HdrHistogram plots them: x is "1 in N"
 * (1 / (1 − p)), on a log scale, so the tail gets as much room as the median.
 */
function latencyDistributionChart(endToEnd: LatencySnapshot, queueWait: LatencySnapshot): ChartSpec {
  const lines: Line[] = [
    { label: "end-to-end", color: PALETTE.blue },
    { label: "queue wait", color: PALETTE.teal },
  ];
  const rows = [...percentileRows(endToEnd, lines[0]!.label), ...percentileRows(queueWait, lines[1]!.label)];
  const ticks = [2, 10, 100, 1000, 10000, 100000];
  const symlog = wideRange(rows.map((r) => r.value));
  const yTicks = symlog ? [0, ...decades(rows.map((r) => r.value))] : [];
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Latency percentile distribution",
      subtitle: `Percentiles of the whole run; x is 1 in N messages on a log scale (HdrHistogram style)${rows.length === 0 ? ". No message was consumed in this run." : ""}`,
    },
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values: rows },
    mark: { type: "line", strokeWidth: 1.8, point: { size: 28, filled: true } },
    encoding: {
      x: {
        field: "one_in",
        type: "quantitative",
        title: "percentile (log scale of 1 in N)",
        scale: { type: "log", domain: [1, 100000] },
        axis: { values: ticks, labelExpr: "format(100 * (1 - 1 / datum.value), '.3~f') + '%'", grid: true },
      },
      y: {
        field: "value",
        type: "quantitative",
        title: symlog ? "latency (ms, symlog scale)" : "latency (ms)",
        // symlog rather than log: a percentile can be 0 ms (no wait at all).
        scale: symlog
          ? { type: "symlog", constant: 1, domain: [0, yTicks.at(-1)!] }
          : rows.length === 0
            ? { domain: [0, 1] }
            : { zero: true },
        ...(symlog ? { axis: { values: yTicks, labelExpr: "format(datum.value, ',')" } } : {}),
      },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain: lines.map((l) => l.label), range: lines.map((l) => l.color) },
        legend: { orient: "top", direction: "horizontal", symbolType: "stroke", symbolStrokeWidth: 2.5 },
      },
    },
  };
  return { name: "latency-percentiles", title: "Latency percentile distribution", spec };
}

/** One row per percentile below 100 (the maximum has no "1 in N"); none for an empty distribution. */
function percentileRows(snapshot: LatencySnapshot, series: string) {
  if (snapshot.count === 0) return [];
  return PERCENTILES.flatMap((p, i) => {
    if (p === 100) return [];
    const value = microsToMillis(snapshot.percentiles[i]!);
    return [{ one_in: round(1 / (1 - p / 100)), percentile: p, series, value }];
  });
}

/** Where every (message, group) pair ended up, plus the messages the broker refused at publish. */
function outcomeChart(m: OutcomeCounts): ChartSpec {
  const outcomes = [
    { outcome: "ok", count: Math.max(0, m.consumed - m.duplicated), color: PALETTE.green },
    { outcome: "duplicated", count: m.duplicated, color: PALETTE.orange },
    { outcome: "lost", count: m.lost, color: PALETTE.red },
    { outcome: "pending", count: m.pending, color: PALETTE.grey },
    { outcome: "dead-lettered", count: m.deadLettered, color: PALETTE.purple },
    { outcome: "rejected", count: m.rejected, color: PALETTE.brown },
  ];
  const domain = outcomes.map((o) => o.outcome);
  const y = { field: "outcome", type: "nominal", title: null, sort: domain } as const;
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Delivery outcomes",
      subtitle: "Per (message, group): ok = consumed exactly once; rejected counts messages refused at publish",
    },
    width: WIDTH,
    height: { step: 26 },
    config: CONFIG,
    data: { values: outcomes.map(({ outcome, count }) => ({ outcome, count })) },
    encoding: {
      y,
      x: { field: "count", type: "quantitative", title: "messages", scale: { domainMin: 0, nice: true } },
    },
    layer: [
      {
        mark: { type: "bar", cornerRadiusEnd: 2 },
        encoding: {
          color: {
            field: "outcome",
            type: "nominal",
            scale: { domain, range: outcomes.map((o) => o.color) },
            legend: null,
          },
        },
      },
      {
        mark: { type: "text", align: "left", baseline: "middle", dx: 4, fontSize: 11, color: "#333" },
        encoding: { text: { field: "count", type: "quantitative", format: ",d" } },
      },
    ],
  };
  return { name: "outcomes", title: "Delivery outcomes", spec };
}

/** Powers of ten from the one at or below the smallest positive value to the one at or above the largest. */
function decades(values: number[]): number[] {
  const positive = values.filter((v) => v > 0);
  const low = Math.floor(Math.log10(Math.min(...positive)));
  const high = Math.ceil(Math.log10(Math.max(...positive)));
  return Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
}

/** True when the largest value is over 100 times the smallest positive one. */
function wideRange(values: number[]): boolean {
  const positive = values.filter((v) => v > 0);
  return positive.length > 0 && Math.max(...positive) / Math.min(...positive) > 100;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export const CONFIG = {
  font: FONT,
  background: "white",
  padding: 12,
  view: { stroke: "#d0d0d0" },
  title: {
    fontSize: 15,
    fontWeight: "bold",
    anchor: "start",
    color: "#222",
    subtitleFontSize: 11,
    subtitleColor: "#555",
    subtitlePadding: 4,
    offset: 8,
  },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: "normal",
    titleColor: "#333",
    labelColor: "#444",
    gridColor: "#ececec",
    domainColor: "#888",
    tickColor: "#888",
  },
  legend: {
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: "normal",
    labelColor: "#333",
    titleColor: "#333",
    labelLimit: 480,
  },
} as const;
