// Proves a single-run compare of a pipeline shows per-stage figures: one row per profile and stage, read from each profile's summary, and an end-to-end row whose losses and duplicates are the stages' sums; a scenario without stages gets none (no section, no compare-stages.csv).
import { describe, expect, it } from "vitest";
import { buildVariants, runVariants } from "../../src/compare/compare.js";
import { comparisonHtml } from "../../src/compare/html.js";
import { compareReplicated, replicatedCsv } from "../../src/compare/replicated.js";
import { END_TO_END, stageRows, stagesCsv, stagesHtml } from "../../src/compare/stages.js";
import { scenarioInput } from "../helpers/scenario.js";

/** Orders pass a checkout stage that publishes each onward to shipping; a checkout instance crashes mid-run. */
const pipeline = scenarioInput({
  duration: "5s",
  producers: [{ name: "orders", rate: "50/s" }],
  consumers: [
    { group: "checkout", instances: 2, processing: "5ms", publishTo: "shipping" },
    { group: "shipping", processing: "2ms" },
  ],
  faults: [{ at: "2s", crash: "consumer", target: "checkout/1", restartAfter: "1s" }],
});

function variantsOf(data: Record<string, unknown>) {
  const built = buildVariants(data, ["fifo", "rabbitmq"]);
  if (!built.ok) throw new Error(JSON.stringify(built.issues));
  return built.variants;
}

const runsOf = (data: Record<string, unknown>) => runVariants(variantsOf(data));

describe("compare per stage", () => {
  it("gives each profile a row per stage, read from its summary, then the end-to-end row", () => {
    const runs = runsOf(pipeline);
    const rows = stageRows(runs);
    expect(rows.map((r) => `${r.profile}/${r.stage}`)).toEqual([
      "fifo/checkout",
      "fifo/shipping",
      `fifo/${END_TO_END}`,
      "rabbitmq/checkout",
      "rabbitmq/shipping",
      `rabbitmq/${END_TO_END}`,
    ]);
    runs.forEach((run, index) => {
      const [checkout, shipping, endToEnd] = rows.slice(index * 3, index * 3 + 3);
      const stages = run.summary.stages!;
      expect(checkout).toMatchObject({
        received: stages.checkout!.received,
        publishedOnward: stages.checkout!.publishedOnward,
        duplicated: stages.checkout!.duplicated,
        latencyP99Ms: stages.checkout!.latency.p99,
      });
      expect(shipping!.consumed).toBe(stages.shipping!.consumed);
      expect(endToEnd).toMatchObject({
        received: run.summary.endToEnd!.roots,
        consumed: run.summary.endToEnd!.completed,
        duplicated: checkout!.duplicated + shipping!.duplicated,
        lost: checkout!.lost + shipping!.lost,
      });
      // Every order reaches checkout, and checkout publishes each onward once at least.
      expect(checkout!.received).toBe(run.summary.messages.published - stages.checkout!.publishedOnward);
      expect(checkout!.publishedOnward).toBeGreaterThanOrEqual(checkout!.consumed);
    });
    const csv = stagesCsv(rows).split("\n");
    expect(csv[0]).toBe(
      "profile,stage,received,published_onward,consumed,lost,duplicated,pending,latency_mean_ms,latency_p99_ms",
    );
    expect(csv.filter((line) => line.length > 0)).toHaveLength(7);
    const html = comparisonHtml("test", 1, [], [], {}, stagesHtml(rows));
    expect(html).toContain("<h2>Per stage</h2>");
    expect(html).toContain("compare-stages.csv");
  });

  it("has no per-stage rows or section without stages", () => {
    const runs = runsOf(scenarioInput({ duration: "1s" }));
    expect(stageRows(runs)).toEqual([]);
    expect(stagesHtml([])).toBe("");
  });

  it("writes the stage figures of a replicated compare in compare-replications.csv, after the compared metrics", async () => {
    const comparison = await compareReplicated(variantsOf(pipeline), 2, { workers: 1 });
    const [header, ...rows] = replicatedCsv(comparison).trim().split("\n");
    const columns = header!.split(",");
    expect(columns.slice(0, 3)).toEqual(["profile", "throughput.consumed.mean", "throughput.consumed.half_width"]);
    const duplicated = columns.indexOf("stages.checkout.duplicated.mean");
    expect(duplicated).toBeGreaterThan(columns.indexOf("messages.sideEffectsRepeated.half_width"));
    expect(columns).toContain("endToEnd.latency.p99.mean");
    expect(rows).toHaveLength(2);
    const mean = comparison.intervals.fifo!["stages.checkout.duplicated"]!.mean;
    expect(Number(rows[0]!.split(",")[duplicated])).toBeCloseTo(mean, 6);
  });
});
