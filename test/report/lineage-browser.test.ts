// Proves a failing scenario's report shows, in real headless Chromium, the counter-example message's lineage chart with the crash marked; saves a screenshot in test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageLineages } from "../../src/pipeline/lineage.js";
import { reportFiles } from "../../src/report/report.js";
import { writeReportFiles } from "../../src/report/write.js";
import { launchChromium } from "../helpers/chromium.js";
import { shippedRun } from "./fixtures.js";

const root = join(import.meta.dirname, "..", "..");
const artifacts = join(root, "test-artifacts");

describe("message lineage in headless chromium", () => {
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let workspace = "";

  beforeAll(async () => {
    browser = await launchChromium();
    workspace = mkdtempSync(join(tmpdir(), "queuesim-lineage-"));
  });
  afterAll(async () => {
    await browser?.close();
    if (workspace !== "") rmSync(workspace, { recursive: true, force: true });
  });

  it("finds the counter-example message's swimlane chart, its lanes and the crash, offline", async () => {
    const run = shippedRun("dedup-store-window");
    const replay = "queuesim run scenarios/dedup-store-window.yaml --seed 7";
    const directory = join(workspace, "report");
    writeReportFiles(directory, await reportFiles(run, { replay, lineage: messageLineages(run) }));

    const page = await browser!.context.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(pathToFileURL(join(directory, "index.html")).href, { waitUntil: "load" });

    // The lineage sits in the verdict, in the failed check's counter-example row.
    const figure = page.locator("#checks tr.example figure#lineage-1");
    const chart = figure.locator("svg");
    const box = await chart.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.width).toBeGreaterThan(400);
    expect(box!.height).toBeGreaterThan(120);
    const labels = await chart.locator("text").allTextContents();
    expect(labels).toContain("Lineage of message 1599 (sideEffects: exactly-once)");
    expect(labels).toEqual(expect.arrayContaining(["checkout#1", "broker", "payments/1", "payments/3"]));
    expect(labels).toContain("crash payments/1");
    // The crash label is drawn inside the plot, at the crash's instant: left of the redelivery's point.
    const crash = await chart.locator("text", { hasText: "crash payments/1" }).boundingBox();
    expect(crash!.x).toBeGreaterThan(box!.x);
    expect(crash!.x).toBeLessThan(box!.x + box!.width / 2);
    await expect(page.locator(".replay code").textContent()).resolves.toBe(replay);

    mkdirSync(artifacts, { recursive: true });
    await figure.screenshot({ path: join(artifacts, "lineage.png") });
    await page.screenshot({ path: join(artifacts, "lineage-report.png"), fullPage: true });
    expect(requests.filter((url) => !url.startsWith("file://"))).toEqual([]);
    expect(errors).toEqual([]);
  });
});
