// Proves index.html works in a real headless browser from a file:// URL: no network, no console errors, every chart drawn.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenarioFile, runScenario } from "../../src/index.js";
import { chartSpecs } from "../../src/report/charts.js";
import { reportFiles } from "../../src/report/report.js";
import { writeReportFiles } from "../../src/report/write.js";
import { launchChromium } from "../helpers/chromium.js";

const root = join(import.meta.dirname, "..", "..");
const screenshot = join(root, "test-artifacts", "report.png");

describe("index.html in headless chromium", () => {
  let context: BrowserContext | undefined;
  let workspace = "";

  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    workspace = mkdtempSync(join(tmpdir(), "queuesim-browser-"));
    ({ context, close } = await launchChromium());
  });

  afterAll(async () => {
    await close?.();
    if (workspace !== "") rmSync(workspace, { recursive: true, force: true });
  });

  it("loads from disk with no network request or console error, and draws every chart", async () => {
    const loaded = loadScenarioFile(join(root, "scenarios", "dedup-store-window.yaml"));
    if (!loaded.ok) throw new Error("scenarios/dedup-store-window.yaml is invalid");
    const run = runScenario(loaded.scenario, { series: "auto" });
    const directory = join(workspace, "report");
    writeReportFiles(directory, await reportFiles(run));

    const page = await context!.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(pathToFileURL(join(directory, "index.html")).href, { waitUntil: "load" });

    for (const chart of chartSpecs(run)) {
      const box = await page.locator(`#chart-${chart.name} svg`).boundingBox();
      expect(box, `chart ${chart.name}`).not.toBeNull();
      expect(box!.width, `chart ${chart.name} width`).toBeGreaterThan(100);
      expect(box!.height, `chart ${chart.name} height`).toBeGreaterThan(100);
    }
    mkdirSync(join(root, "test-artifacts"), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });

    expect(requests.filter((url) => !url.startsWith("file://"))).toEqual([]);
    expect(errors).toEqual([]);
  });
});
