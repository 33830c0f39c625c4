// The chart-drawing worker thread (chart-renderer.ts starts it): lowers its own priority, loads vega, vega-lite and
// resvg while the main thread simulates, warms them up on made-up charts (warm-up.ts) until the first drawing
// arrives, then draws the charts it is sent, one drawing at a time.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { setImmediate as nextTurn } from "node:timers/promises";
import { parentPort } from "node:worker_threads";
import type { DrawRequest, RenderResponse } from "./chart-renderer.js";

if (!parentPort) throw new Error("invariant: the chart thread must run in a worker thread");
const port = parentPort;

lowerPriority();
/** Imported once the priority is lowered: loading vega is most of what the thread does before its first drawing. */
const libraries = Promise.all([import("./chart-renderer.js"), import("./render.js"), import("./warm-up.js")]).then(
  ([{ drawHere }, { renderSvg }, { warmUpChartSpecs }]) => ({ drawHere, renderSvg, warmUpChartSpecs }),
);

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
  const { renderSvg, warmUpChartSpecs } = await libraries;
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
    await libraries.catch(() => {});
    await warmUpChart.catch(() => {});
    for (let request = queue.shift(); request; request = queue.shift()) port.postMessage(...(await answer(request)));
  } finally {
    busy = false;
  }
}

async function answer(request: DrawRequest): Promise<[RenderResponse, ArrayBuffer[]]> {
  try {
    const { drawHere } = await libraries;
    const charts = await drawHere.draw(request.specs);
    return [{ id: request.id, ok: true, charts }, charts.map((chart) => chart.png.buffer as ArrayBuffer)];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const stack = error instanceof Error ? error.stack : undefined;
    return [{ id: request.id, ok: false, message, ...(stack === undefined ? {} : { stack }) }, []];
  }
}

/**
 * Linux gives each thread a nice value of its own: this one takes the lowest priority, 19, so that loading and
 * warming up vega use only CPU the simulation leaves idle, including what V8's background threads need to
 * optimise the simulation's code and collect its garbage. At the process's priority the thread slowed the
 * simulation beside it (README, Speed). A thread may always lower its own priority; where there is no
 * /proc/thread-self to name the thread (not Linux), it keeps the process's.
 */
function lowerPriority(): void {
  try {
    const thread = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(thread) && thread > 0) setPriority(thread, 19);
  } catch {
    // Not Linux, or a sandbox that refuses: the thread runs at the process's priority, as before.
  }
}
