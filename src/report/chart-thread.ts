// The chart-drawing worker thread (chart-renderer.ts starts it): loads vega, vega-lite and resvg as it starts, while
// the main thread simulates, then draws the charts it is sent, one drawing at a time.
import { parentPort } from "node:worker_threads";
import { type DrawRequest, drawHere, type RenderResponse } from "./chart-renderer.js";
import "./render.js";

if (!parentPort) throw new Error("invariant: the chart thread must run in a worker thread");
const port = parentPort;

const queue: DrawRequest[] = [];
let busy = false;

port.on("message", (request: DrawRequest) => {
  queue.push(request);
  void drain();
});

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
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
