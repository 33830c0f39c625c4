// Proves the chart thread `queuesim run` starts draws the same bytes as drawing here, hands back a chart's error with its message, and lets go of the process when closed.

import type { TopLevelSpec } from "vega-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageLineages } from "../../src/pipeline/lineage.js";
import { ChartThread } from "../../src/report/chart-renderer.js";
import { reportFiles } from "../../src/report/report.js";
import { shippedRun } from "./fixtures.js";

type Files = Record<string, string | Uint8Array>;
let here: Files;
let onThread: Files;
const thread = new ChartThread();

beforeAll(async () => {
  // A scenario whose report has counter-example lineage charts as well as the run's own.
  const run = shippedRun("dedup-store-window");
  const lineage = messageLineages(run);
  here = await reportFiles(run, { lineage });
  onThread = await reportFiles(run, { lineage, renderer: thread });
}, 60_000);

afterAll(() => thread.close());

describe("the chart thread", () => {
  it("writes the same files, byte for byte, as drawing on this thread", () => {
    expect(Object.keys(onThread)).toEqual(Object.keys(here));
    expect(Object.keys(here).filter((name) => name.endsWith(".png")).length).toBeGreaterThan(3);
    expect(Object.keys(here).some((name) => name.startsWith("charts/lineage"))).toBe(true);
    for (const [name, content] of Object.entries(here)) {
      expect(Buffer.from(onThread[name]!).equals(Buffer.from(content)), name).toBe(true);
    }
  });

  it("rejects a chart that vega-lite warns about with vega-lite's words, and draws the next request", async () => {
    const broken = { mark: "line", encoding: { x: { field: "t", type: "quantitative", aggregate: "nonsense" } } };
    await expect(thread.draw([broken as unknown as TopLevelSpec])).rejects.toThrow(/vega-lite warned while compiling/);
    const fine: TopLevelSpec = {
      data: { values: [{ t: 1 }] },
      mark: "point",
      encoding: { x: { field: "t", type: "quantitative" } },
    };
    const [drawn] = await thread.draw([fine]);
    expect(drawn!.svg).toMatch(/^<svg/);
    expect(Buffer.from(drawn!.png).subarray(1, 4).toString()).toBe("PNG");
  });

  it("refuses to draw once closed", async () => {
    const closing = new ChartThread();
    await closing.close();
    await expect(closing.draw([{ mark: "point" } as TopLevelSpec])).rejects.toThrow(/closed/);
  });
});
