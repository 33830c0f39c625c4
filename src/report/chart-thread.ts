// The chart-drawing worker thread (chart-renderer.ts starts it): loads vega, vega-lite and resvg as it starts, while
// the main thread simulates, warms them up on made-up charts (warm-up.ts) until the first drawing arrives, then
// draws the charts it is sent, one drawing at a time.
import { setImmediate as nextTurn } from "node:timers/promises";
import { parentPort } from "node:worker_threads";
import { type DrawRequest, drawHere, type RenderResponse } from "./chart-renderer.js";
import { renderSvg } from "./render.js";
import { warmUpChartSpecs } from "./warm-up.js";

if (!parentPort) throw new Error("invariant: the chart thread must run in a worker thread");
const port = parentPort;

const queue: DrawRequest[] = [];
let busy = false;
/** Set by the first drawing request: the warm-up stops there for good. */
let drawingAsked = false;
/** The warm-up chart being drawn, if any: a drawing waits for it (tens of ms at most), never for the next one. */
let warmUpChart: Promise<unknown> = Promise.resolve();

port.on("message", (request: DrawRequest) => {
  drawingAsked = true;
  queue.push(request);
  void drain();
});

void warmUp();

/**
 * Draws the warm-up charts and throws them away, one at a time, stopping as soon as a drawing is asked for: a short
 * run that ends before the warm-up does waits for one warm-up chart at most. A failure is not caught: these are
 * the real chart builders and renderer, and what breaks here would break the run's own charts.
 */
async function warmUp(): Promise<void> {
  for (const spec of warmUpChartSpecs()) {
    // A turn of the event loop between charts, so a drawing request that has arrived is seen first.
    await nextTurn();
    if (drawingAsked) return;
    warmUpChart = renderSvg(spec);
    await warmUpChart;
  }
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    await warmUpChart.catch(() => {});
    for (let request = queue.shift(); request; request = queue.shift()) port.postMessage(...(await answer(request)));
  } finally {
    busy = false;
  }
}

async function answer(request: DrawRequest): Promise<[RenderResponse, ArrayBuffer[]]> {
  try {
    const charts = await drawHere.draw(request.specs);
    return [{ id: request.id, ok: true, charts }, charts.map((chart) => chart.png.buffer as ArrayBuffer)];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const stack = error instanceof Error ? error.stack : undefined;
    return [{ id: request.id, ok: false, message, ...(stack === undefined ? {} : { stack }) }, []];
  }
}
