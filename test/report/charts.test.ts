// Proves every chart spec a report writes compiles with vega-lite without warnings, and the SVGs carry axis titles and fault labels.
import type { TopLevelSpec } from "vega-lite";
import { beforeAll, describe, expect, it } from "vitest";
import type { Run } from "../../src/index.js";
import { targetList } from "../../src/report/charts.js";
import { renderSvg, svgToPng, vegaLiteWarnings } from "../../src/report/render.js";
import { reportFiles } from "../../src/report/report.js";
import { emptyRun, shippedRun, stressRun } from "./fixtures.js";

type Files = Record<string, string | Uint8Array>;

const TIME_CHARTS = ["throughput", "depth-and-lag", "latency-over-time", "redeliveries"];
const ALL_CHARTS = [...TIME_CHARTS, "latency-percentiles", "outcomes"];

const reports: Record<string, Files> = {};
const runs: Record<string, Run> = {};

beforeAll(async () => {
  runs["dedup-store-window"] = shippedRun("dedup-store-window");
  reports["dedup-store-window"] = await reportFiles(runs["dedup-store-window"]);
  reports["slow-consumer-backpressure"] = await reportFiles(shippedRun("slow-consumer-backpressure"));
  reports["work-queue"] = await reportFiles(shippedRun("work-queue"));
  reports.stress = await reportFiles(stressRun());
  reports.empty = await reportFiles(emptyRun());
  // Five reports of charts and PNGs: a few seconds alone, past vitest's 10 s default on the shared 2-core machine under load.
}, 60_000);

function textFile(files: Files, name: string): string {
  const content = files[name];
  if (typeof content !== "string") throw new Error(`${name} is missing or not text`);
  return content;
}

describe("chart specs", () => {
  it.each(["dedup-store-window", "slow-consumer-backpressure", "work-queue", "stress", "empty"])(
    "%s: every written .vl.json compiles without a vega-lite warning",
    (scenario) => {
      const files = reports[scenario]!;
      const specs = Object.keys(files).filter((name) => name.endsWith(".vl.json"));
      expect(specs.sort()).toEqual(ALL_CHARTS.map((chart) => `charts/${chart}.vl.json`).sort());
      for (const name of specs) {
        const spec = JSON.parse(textFile(files, name)) as TopLevelSpec;
        expect(vegaLiteWarnings(spec), name).toEqual([]);
      }
    },
  );

  it("fails loudly when vega-lite warns", async () => {
    const spec = {
      data: { values: [{ a: 1 }] },
      mark: "bar",
      encoding: { x: { field: "a", type: "quantitative", scale: { type: "ordinal" } } },
    } as unknown as TopLevelSpec;
    await expect(renderSvg(spec)).rejects.toThrow(/vega-lite warned/);
  });

  it("draws no fault layer for a run without faults, and says so when a chart has nothing to show", () => {
    const files = reports["work-queue"]!;
    for (const chart of TIME_CHARTS) {
      expect(textFile(files, `charts/${chart}.vl.json`)).not.toContain('"fault"');
      expect(textFile(files, `charts/${chart}.svg`)).not.toContain(">fault<");
    }
    expect(textFile(files, "charts/redeliveries.svg")).toContain("None in this run.");
  });
});

describe("chart SVGs", () => {
  it("label every axis with its unit", () => {
    const files = reports["dedup-store-window"]!;
    for (const chart of TIME_CHARTS) expect(textFile(files, `charts/${chart}.svg`)).toContain(">time (s)</text>");
    expect(textFile(files, "charts/throughput.svg")).toContain(">messages/s</text>");
    expect(textFile(files, "charts/redeliveries.svg")).toContain(">messages/s</text>");
    expect(textFile(files, "charts/depth-and-lag.svg")).toContain(">messages</text>");
    expect(textFile(files, "charts/latency-over-time.svg")).toContain(">latency (ms)</text>");
    const percentiles = textFile(files, "charts/latency-percentiles.svg");
    expect(percentiles).toMatch(/>latency \(ms[^<]*\)<\/text>/);
    for (const label of ["50%", "90%", "99%", "99.9%", "99.99%"]) expect(percentiles).toContain(`>${label}</text>`);
    expect(textFile(files, "charts/outcomes.svg")).toContain(">messages</text>");
  });

  it("shade and label every fault window in every time chart", () => {
    const crashes = reports["dedup-store-window"]!;
    const slowdown = reports["slow-consumer-backpressure"]!;
    for (const chart of TIME_CHARTS) {
      const svg = textFile(crashes, `charts/${chart}.svg`);
      // Two crashes of one consumer each: both windows labelled, both in the legend.
      for (const fault of runs["dedup-store-window"]!.summary.faults) {
        expect(svg.split(`>${fault.kind} ${fault.target}</text>`).length - 1).toBe(2);
      }
      expect(svg).toContain(">fault</text>");
      // Four consumers slowed over one window: one band, one label.
      expect(textFile(slowdown, `charts/${chart}.svg`)).toContain(">slow-consumer thumbnails/1,2,3,4</text>");
    }
  });

  it("rasterise to a PNG about 900 pixels wide", async () => {
    const png = reports["work-queue"]!["charts/throughput.png"];
    if (!(png instanceof Uint8Array)) throw new Error("throughput.png is missing");
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    expect(view.getUint32(0)).toBe(0x89504e47);
    expect(view.getUint32(16)).toBe(900);
    expect(svgToPng(textFile(reports["work-queue"]!, "charts/outcomes.svg")).byteLength).toBeGreaterThan(1000);
  });

  it("rasterise to the same bytes on the thread pool as on the main thread", () => {
    for (const name of ALL_CHARTS) {
      const fromReport = reports["dedup-store-window"]![`charts/${name}.png`];
      expect(fromReport).toEqual(svgToPng(textFile(reports["dedup-store-window"]!, `charts/${name}.svg`)));
    }
  });

  it("keep each chart's files together, in the order .vl.json, .svg, .png", () => {
    const chartFiles = Object.keys(reports["work-queue"]!).filter((name) => name.startsWith("charts/"));
    const stems = chartFiles.filter((name) => name.endsWith(".vl.json")).map((name) => name.slice(7, -8));
    expect([...stems].sort()).toEqual([...ALL_CHARTS].sort());
    expect(chartFiles).toEqual(stems.flatMap((c) => [`charts/${c}.vl.json`, `charts/${c}.svg`, `charts/${c}.png`]));
  });
});

describe("fault target lists", () => {
  it("compress instances of one group and cut long lists short", () => {
    expect(targetList(["billing/1"])).toBe("billing/1");
    expect(targetList(["billing/1", "billing/2", "billing/3"])).toBe("billing/1,2,3");
    expect(targetList(["broker", "checkout"])).toBe("broker, checkout");
    expect(targetList(["b/1", "b/2", "b/3", "b/4", "b/5"])).toBe("b/1,2,3,… (5)");
  });
});
