// The chart-rendering worker thread (chart-renderer.ts starts it): loads vega, vega-lite and resvg and warms them
// up while the main thread simulates, then draws the SVG and PNG of each chart it is sent.
import { parentPort } from "node:worker_threads";
import type { TopLevelSpec } from "vega-lite";
import { drawHere, type RenderRequest, type RenderResponse } from "./chart-renderer.js";
import { renderSvg, svgToPngOffThread } from "./render.js";

if (!parentPort) throw new Error("invariant: the render thread must run in a worker thread");
const port = parentPort;

/**
 * A small layered chart with a legend, an area and a rule, like the report's own: drawing it a few times compiles
 * (in V8's JIT) most of what a real chart runs through, so the real charts, sent when the run ends, draw warm.
 */
const WARM_UP: TopLevelSpec = {
  width: 200,
  height: 80,
  title: "warm-up",
  data: {
    values: Array.from({ length: 40 }, (_, i) => ({ time_s: i, series: i % 2 === 0 ? "a" : "b", value: (i * 7) % 11 })),
  },
  layer: [
    {
      mark: { type: "area", opacity: 0.2 },
      encoding: {
        x: { field: "time_s", type: "quantitative" },
        y: { field: "value", type: "quantitative", aggregate: "max" },
      },
    },
    {
      mark: { type: "line", interpolate: "step-after" },
      encoding: {
        x: { field: "time_s", type: "quantitative", title: "time (s)" },
        y: { field: "value", type: "quantitative", title: "value" },
        color: { field: "series", type: "nominal", legend: { orient: "bottom" } },
        strokeDash: { field: "series", type: "nominal" },
      },
    },
    { mark: { type: "rule" }, encoding: { y: { datum: 5 } } },
  ],
};
const WARM_UP_ROUNDS = 3;

const queue: RenderRequest[] = [];
let busy = false;
let asked = false;

port.on("message", (request: RenderRequest) => {
  asked = true;
  queue.push(request);
  void drain();
});

/** Warm-up rounds run only while nothing is asked: a request waits at most for the round in progress. */
async function warmUp(): Promise<void> {
  for (let round = 0; round < WARM_UP_ROUNDS && !asked; round++) {
    busy = true;
    try {
      const svg = await renderSvg(WARM_UP);
      if (round === 0) await svgToPngOffThread(svg);
    } catch {
      // A warm-up that fails changes nothing: the real charts then report their own errors.
    } finally {
      busy = false;
    }
    // Lets a request that arrived meanwhile be queued before the next round.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await drain();
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    for (let request = queue.shift(); request; request = queue.shift()) port.postMessage(...(await answer(request)));
  } finally {
    busy = false;
  }
}

async function answer(request: RenderRequest): Promise<[RenderResponse, ArrayBuffer[]]> {
  try {
    const charts = await drawHere.draw(request.specs);
    return [{ id: request.id, ok: true, charts }, charts.map((chart) => chart.png.buffer as ArrayBuffer)];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const stack = error instanceof Error ? error.stack : undefined;
    return [{ id: request.id, ok: false, message, ...(stack === undefined ? {} : { stack }) }, []];
  }
}

void warmUp();
