import { Worker } from "node:worker_threads";
import type { TopLevelSpec } from "vega-lite";

/** A chart drawn: the SVG a page inlines and the PNG beside it. */
export interface DrawnChart {
  svg: string;
  png: Uint8Array;
}

/** Draws chart specs, in order; the same specs give the same bytes whichever renderer draws them. */
export interface ChartRenderer {
  draw(specs: readonly TopLevelSpec[]): Promise<DrawnChart[]>;
}

export interface DrawRequest {
  id: number;
  specs: readonly TopLevelSpec[];
}

export type RenderResponse =
  | { id: number; ok: true; charts: DrawnChart[] }
  | { id: number; ok: false; message: string; stack?: string };

/**
 * Draws here, on the calling thread. vega is loaded only when a chart is drawn: it takes a while, and
 * `queuesim validate` needs none of it. Each PNG rasterises on libuv's thread pool while the next SVG is drawn
 * here, one PNG at a time: rasterising them all at once gained no time on two cores and held the Kafka 1M run's
 * peak RSS at ~247 MB (180-230 MB one at a time). Once the last SVG is drawn this thread only waits, so the PNGs
 * still queued then rasterise two at a time: the core that drew the SVGs is free for the second one.
 */
export const drawHere: ChartRenderer = {
  async draw(specs) {
    if (specs.length === 0) return [];
    const { renderSvg, svgToPngOffThread } = await import("./render.js");
    const rasteriser = new PngQueue(svgToPngOffThread);
    const svgs: string[] = [];
    const pngs: Promise<Uint8Array>[] = [];
    for (const spec of specs) {
      const svg = await renderSvg(spec);
      pngs.push(rasteriser.add(svg));
      svgs.push(svg);
    }
    rasteriser.widen(2);
    const pngBytes = await Promise.all(pngs);
    return svgs.map((svg, i) => ({ svg, png: pngBytes[i]! }));
  },
};

/** SVGs waiting for their PNG, rasterised in order, at most `width` at a time. */
class PngQueue {
  private readonly waiting: { svg: string; resolve: (png: Uint8Array) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;
  private width = 1;

  constructor(private readonly rasterise: (svg: string) => Promise<Uint8Array>) {}

  add(svg: string): Promise<Uint8Array> {
    const png = new Promise<Uint8Array>((resolve, reject) => this.waiting.push({ svg, resolve, reject }));
    // Awaited by the caller; the catch keeps a failure from counting as unhandled until then.
    png.catch(() => {});
    this.startWhatFits();
    return png;
  }

  widen(width: number): void {
    this.width = width;
    this.startWhatFits();
  }

  private startWhatFits(): void {
    while (this.running < this.width && this.waiting.length > 0) {
      const { svg, resolve, reject } = this.waiting.shift()!;
      this.running++;
      this.rasterise(svg)
        .then(resolve, reject)
        .finally(() => {
          this.running--;
          this.startWhatFits();
        });
    }
  }
}

/**
 * Built, this module is part of a chunk in dist/ and the thread's file is dist/chart-thread.js next to it
 * (scripts/build.mjs writes every file flat into dist/). Run from the sources it is a .ts file, and the thread
 * starts from a small entry that registers tsx first.
 */
const threadUrl = import.meta.url.endsWith(".ts")
  ? new URL("./chart-thread-entry.mjs", import.meta.url)
  : new URL("./chart-thread.js", import.meta.url);

/**
 * A worker thread that loads the chart libraries as soon as it starts, so a command that starts it before
 * simulating (`queuesim run`) finds them loaded when the run ends: with a core to spare, loading them happens
 * beside the simulation instead of after it. Same bytes as `drawHere`. `close()` ends the thread;
 * until then it keeps the process alive only while a drawing is pending.
 */
export class ChartThread implements ChartRenderer {
  private readonly worker = new Worker(threadUrl);
  private readonly pending = new Map<number, { resolve: (charts: DrawnChart[]) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor() {
    this.worker.unref();
    this.worker.on("message", (response: RenderResponse) => this.settle(response));
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("exit", (code) => this.fail(new Error(`invariant: the chart thread exited (code ${code})`)));
  }

  draw(specs: readonly TopLevelSpec[]): Promise<DrawnChart[]> {
    if (specs.length === 0) return Promise.resolve([]);
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<DrawnChart[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, specs } satisfies DrawRequest);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error("invariant: the chart thread was closed");
    await this.worker.terminate();
  }

  private settle(response: RenderResponse): void {
    const waiting = this.pending.get(response.id);
    if (!waiting) return;
    this.pending.delete(response.id);
    if (this.pending.size === 0) this.worker.unref();
    if (response.ok) waiting.resolve(response.charts);
    else waiting.reject(rebuiltError(response));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.pending.values()) reject(this.failure);
    this.pending.clear();
  }
}

/** The thread's error as the main thread throws it: the same message, the stack of where it happened. */
function rebuiltError(response: Extract<RenderResponse, { ok: false }>): Error {
  const error = new Error(response.message);
  if (response.stack !== undefined) error.stack = response.stack;
  return error;
}
