// Proves the chart thread's warm-up charts are the run's own six kinds, built by the same builders, and draw without a warning (a warning would fail the run's drawing).
import { describe, expect, it } from "vitest";
import { chartSpecs } from "../../src/report/charts.js";
import { renderSvg } from "../../src/report/render.js";
import { warmUpChartSpecs } from "../../src/report/warm-up.js";
import { shippedRun } from "./fixtures.js";

describe("the chart thread's warm-up", () => {
  const specs = warmUpChartSpecs();

  it("has the titles and marks of a real run's six charts, in order", () => {
    const real = chartSpecs(shippedRun("work-queue")).map((chart) => chart.spec);
    const titles = (spec: (typeof specs)[number]) => (spec.title as { text: string }).text;
    expect(specs.map(titles)).toEqual(real.map(titles));
    const marks = (spec: object) => JSON.stringify(spec).match(/"mark":\{"type":"\w+"/g);
    expect(specs.map(marks)).toEqual(real.map(marks));
  });

  it("draws every chart to an SVG with no vega or vega-lite warning", async () => {
    for (const spec of specs) expect(await renderSvg(spec)).toMatch(/^<svg/);
  }, 30_000);
});
