// The chart-rendering worker thread (chart-renderer.ts starts it): loads vega, vega-lite and resvg as it starts,
// warms them up on a short run of the scenario while the main thread simulates, then draws the charts it is sent.
import { parentPort } from "node:worker_threads";
import type { TopLevelSpec } from "vega-lite";
import type { ParsedScenario } from "../scenario/schema.js";
import { type DrawRequest, drawHere, type RenderRequest, type RenderResponse } from "./chart-renderer.js";
import { renderSvg, svgToPngOffThread } from "./render.js";

if (!parentPort) throw new Error("invariant: the chart thread must run in a worker thread");
const port = parentPort;

/** Twice over the warm-up charts: once compiles most of what they run, the second round most of the rest. */
const WARM_UP_ROUNDS = 2;

const queue: DrawRequest[] = [];
let busy = false;
/** Set by the first drawing asked for: warming up stops then, so it never delays a real chart by more than one. */
let asked = false;

port.on("message", (request: RenderRequest) => {
  if (request.kind === "warm-up") {
    if (!asked) void warmUp(request.scenario);
    return;
  }
  asked = true;
  queue.push(request);
  void drain();
});

async function warmUp(scenario: ParsedScenario): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    // Loaded only to warm up: the simulation's code is not needed to draw.
    const { warmUpCharts } = await import("./warm-up.js");
    const specs = asked ? undefined : warmUpCharts(scenario);
    for (let round = 0; specs && round < WARM_UP_ROUNDS; round++) {
      for (const spec of specs) {
        if (asked) return;
        await warmUpOne(spec, round === 0 && spec === specs[0]);
        // Lets a drawing asked for meanwhile arrive before the next chart.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    busy = false;
    await drain();
  }
}

async function warmUpOne(spec: TopLevelSpec, withPng: boolean): Promise<void> {
  try {
    const svg = await renderSvg(spec);
    if (withPng) await svgToPngOffThread(svg);
  } catch {
    // A chart that fails to warm up changes nothing: the real charts report their own errors.
  }
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
