import type { TopLevelSpec } from "vega-lite";
import type { ChartSpec } from "./charts.js";
import type { Lineage } from "./lineage.js";

type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number];

const FONT = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif";
const LANE_HEIGHT = 40;

/** Every event kind with its colour, in the legend's order: the path of a message from producer to settle. */
const EVENT_COLORS: [string, string][] = [
  ["published", "#4c78a8"],
  ["accepted", "#72b7b2"],
  ["delivered", "#54a24b"],
  ["redelivered", "#f58518"],
  ["attempt failed", "#eeca3b"],
  ["side effect", "#b279a2"],
  ["consumed", "#1a7f37"],
  ["rejected", "#9d755d"],
  ["dropped", "#e45756"],
  ["dead-lettered", "#79706e"],
  ["redriven", "#ff9da6"],
];

/** The anchor and chart name of a check's lineage: lineage-<index of the check>. */
export function lineageName(check: number): string {
  return `lineage-${check}`;
}

/**
 * A swimlane timeline of one message: a lane per component (producer instance, broker, consumer instances),
 * a point per event joined in time order, fault windows shaded on their target's lane (across every lane
 * when the target is not one), and each crash marked with a rule and a label at its instant.
 */
export function lineageChart(lineage: Lineage): ChartSpec {
  const title = `Lineage of message ${lineage.message} (${lineage.checkName})`;
  const events = lineage.events.map((e, order) => ({
    ...e,
    order,
    label: `${e.event}${e.detail ? `, ${e.detail}` : ""}`,
  }));
  const faults = lineage.faults.map((f) => ({ ...f, label: `${markOf(f.kind)} ${f.target}` }));
  const times = [...events.map((e) => e.atMs), ...faults.flatMap((f) => [f.startMs, f.endMs])];
  const first = Math.min(...times);
  const last = Math.max(...times);
  const pad = Math.max((last - first) * 0.04, 1);
  const x = {
    field: "atMs",
    type: "quantitative" as const,
    title: "simulated time (ms)",
    scale: { domain: [first - pad, last + pad], nice: false, zero: false },
  };
  const y = {
    field: "lane",
    type: "nominal" as const,
    title: null,
    scale: { domain: lineage.lanes },
    axis: { labelLimit: 160 },
  };
  const layers: Layer[] = [
    ...faultLayers(faults, x, y),
    {
      data: { values: events },
      mark: { type: "line", color: "#8c959f", strokeWidth: 1 },
      encoding: { x, y, order: { field: "order" } },
    },
    // A consumption usually shares its instant with the side effect it follows: it is drawn as a ring
    // around that point, so both show.
    eventPoints(
      events.filter((e) => e.event === "consumed"),
      { type: "point", filled: false, size: 300, strokeWidth: 2.5, opacity: 1 },
      x,
      y,
    ),
    eventPoints(
      events.filter((e) => e.event !== "consumed"),
      { type: "point", filled: true, size: 90, opacity: 1 },
      x,
      y,
    ),
  ];
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: `group ${lineage.group}; shaded: fault windows${lineage.omitted > 0 ? `; ${lineage.omitted} later events not shown` : ""}`,
    },
    width: 720,
    height: LANE_HEIGHT * lineage.lanes.length,
    layer: layers,
    config: { font: FONT, view: { stroke: "#ccc" } },
  };
  return { name: lineageName(lineage.check), title, spec };
}

function eventPoints(values: object[], mark: object, x: object, y: object): Layer {
  return {
    data: { values },
    mark,
    encoding: {
      x,
      y,
      color: {
        field: "event",
        type: "nominal",
        title: "event",
        scale: { domain: EVENT_COLORS.map(([e]) => e), range: EVENT_COLORS.map(([, c]) => c) },
      },
      tooltip: [{ field: "atMs", title: "ms" }, { field: "lane" }, { field: "label" }],
    },
  } as Layer;
}

/** How a fault is labelled on the chart: a crash says "crash", so a reader finds it at a glance. */
function markOf(kind: string): string {
  return kind.endsWith("-crash") ? "crash" : kind;
}

function faultLayers(faults: (Lineage["faults"][number] & { label: string })[], x: object, y: object): Layer[] {
  if (faults.length === 0) return [];
  const onLane = faults.filter((f) => f.lane !== null);
  const everywhere = faults.filter((f) => f.lane === null);
  const window = { type: "rect", color: "#cf222e", opacity: 0.14 } as const;
  const startX = { ...x, field: "startMs" };
  const endX = { field: "endMs" };
  const layers: Layer[] = [];
  if (onLane.length > 0) {
    layers.push({ data: { values: onLane }, mark: window, encoding: { x: startX, x2: endX, y: { ...y } } } as Layer);
  }
  if (everywhere.length > 0) {
    layers.push({ data: { values: everywhere }, mark: window, encoding: { x: startX, x2: endX } } as Layer);
  }
  layers.push(
    {
      data: { values: faults },
      mark: { type: "rule", color: "#cf222e", strokeWidth: 2, strokeDash: [4, 2] },
      encoding: { x: startX },
    } as Layer,
    {
      data: { values: faults },
      mark: { type: "text", color: "#cf222e", align: "left", baseline: "top", dx: 4, dy: 2, fontWeight: "bold", y: 2 },
      encoding: { x: startX, text: { field: "label" } },
    } as Layer,
  );
  return layers;
}
