// Proves the compare page's latency percentiles use a log latency axis and each failing row links to that profile's first counter-example lineage; compare --junit writes one suite per profile.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { overlayCharts } from "../../src/compare/charts.js";
import { shippedRun } from "../report/fixtures.js";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "src", "cli", "bin.ts");
const tsx = import.meta.resolve("tsx");

describe("compare page", () => {
  it("draws latency percentiles on a log latency axis, leaving out zero latencies", () => {
    const chart = overlayCharts([shippedRun("work-queue")]).find((c) => c.name === "latency-percentiles")!;
    const spec = chart.spec as {
      encoding: { y: { scale?: { type: string } } };
      data: { values: { latency_ms: number }[] };
    };
    expect(spec.encoding.y.scale).toEqual({ type: "log" });
    expect(spec.data.values.length).toBeGreaterThan(5);
    expect(spec.data.values.every((row) => row.latency_ms > 0)).toBe(true);
  });

  it("links each failing profile's row to its first failure's lineage, and replays each profile alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "queuesim-compare-page-"));
    const scenario = join(root, "scenarios", "dedup-store-window.yaml");
    const junit = join(dir, "junit.xml");
    const args = ["compare", scenario, "--profiles", "fifo,rabbitmq", "--out", dir, "--junit", junit, "--workers", "1"];
    const child = spawnSync(process.execPath, ["--import", tsx, bin, ...args], { encoding: "utf8" });
    expect(child.status, child.stderr).toBe(0);
    const compare = join(dir, "dedup-store-window", "compare");
    const page = readFileSync(join(compare, "index.html"), "utf8");
    const fifoPage = readFileSync(join(compare, "fifo", "index.html"), "utf8");
    expect(page).toContain('<a href="fifo/index.html#lineage-1">lineage</a>');
    expect(fifoPage).toContain('id="lineage-1"');
    expect(fifoPage).toContain(`replay: <code>queuesim compare ${scenario} --profiles fifo --seed 7</code>`);
    expect(existsSync(join(compare, "fifo", "lineage.json"))).toBe(true);
    const xml = readFileSync(junit, "utf8");
    expect([...xml.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1])).toEqual([
      "dedup-store-window.fifo",
      "dedup-store-window.rabbitmq",
    ]);
  });
});
