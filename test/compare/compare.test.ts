// Proves compare runs one workload against every profile with common random numbers: identical arrivals, deterministic results.
import { describe, expect, it } from "vitest";
import { profiles } from "../../src/brokers/profiles.js";
import { buildVariants, comparisonRows, runVariants } from "../../src/compare/compare.js";
import { comparisonCsv } from "../../src/compare/report.js";
import { simulate } from "../../src/index.js";
import type { MessageTable } from "../../src/model/messages.js";
import { NullObserver } from "../../src/model/observer.js";
import { scenarioInput } from "../helpers/scenario.js";

/** Records what producers created: intended send time, producer and key of every message. */
class ArrivalLog extends NullObserver {
  readonly rows: string[] = [];
  private messages!: MessageTable;
  watch(messages: MessageTable): void {
    this.messages = messages;
  }
  override published(message: number, now: number): void {
    this.rows.push(`${now}:${this.messages.producer[message]}:${this.messages.key[message]}`);
  }
}

const workload = scenarioInput({
  duration: "10s",
  network: { latency: { dist: "exponential", mean: "500us" } },
  producers: [{ name: "orders", instances: 2, rate: "150/s", keys: { count: 20 } }],
  consumers: [{ group: "billing", instances: 2, processing: { dist: "exponential", mean: "3ms" } }],
  faults: [{ at: "3s", crash: "consumer", target: "billing/1", restartAfter: "2s" }],
});
const all = profiles.map((p) => p.name);

describe("compare", () => {
  it("gives every profile the same arrivals, keys and faults", () => {
    const built = buildVariants(workload, all);
    if (!built.ok) throw new Error(JSON.stringify(built.issues));
    const arrivals = built.variants.map((variant) => {
      const log = new ArrivalLog();
      const result = simulate(variant.scenario, { observers: [log] });
      return { arrivals: log.rows.join("\n"), faults: result.faults.map((f) => [f.kind, f.target]) };
    });
    expect(arrivals[0]!.arrivals.split("\n").length).toBeGreaterThan(2000);
    for (const other of arrivals.slice(1)) {
      expect(other.arrivals).toBe(arrivals[0]!.arrivals);
    }
  });

  it("is deterministic: the comparison table is identical run to run", () => {
    const table = () => {
      const built = buildVariants(workload, all);
      if (!built.ok) throw new Error(JSON.stringify(built.issues));
      return comparisonCsv(comparisonRows(runVariants(built.variants, { series: "auto" })));
    };
    const first = table();
    expect(first.split("\n").length).toBe(all.length + 2);
    expect(table()).toBe(first);
  });

  it("takes a profile's broker section from overrides, then compare.brokers", () => {
    const data = { ...workload, compare: { brokers: { fifo: { settings: { prefetch: 7 } } } } };
    const fromScenario = buildVariants(data, ["fifo"]);
    const fromOverride = buildVariants(data, ["fifo"], { fifo: { settings: { prefetch: 3 } } });
    if (!fromScenario.ok || !fromOverride.ok) throw new Error("variants should build");
    expect((fromScenario.variants[0]!.scenario.broker.settings as { prefetch: number }).prefetch).toBe(7);
    expect((fromOverride.variants[0]!.scenario.broker.settings as { prefetch: number }).prefetch).toBe(3);
  });

  it("rejects unknown and repeated profiles with a suggestion", () => {
    const unknown = buildVariants(workload, ["fifoo"]);
    expect(unknown.ok ? [] : unknown.issues.map((i) => i.hint)).toEqual(['did you mean "fifo"?']);
    expect(buildVariants(workload, ["fifo", "fifo"]).ok).toBe(false);
  });
});

describe("compare with replications", () => {
  it("pairs replications on common random numbers: the difference's interval is narrower than either profile's", async () => {
    const { compareReplicated } = await import("../../src/compare/replicated.js");
    const data = {
      ...workload,
      faults: [],
      compare: { brokers: { fifo: { settings: { prefetch: 1 } } } },
    };
    const slow = buildVariants(data, ["fifo"]);
    const fast = buildVariants(
      { ...data, compare: { brokers: { fifo: { settings: { prefetch: 1 }, serviceTime: "1ms" } } } },
      ["fifo"],
    );
    if (!slow.ok || !fast.ok) throw new Error("variants should build");
    const variants = [slow.variants[0]!, { ...fast.variants[0]!, profile: "fifo-1ms" }];
    const comparison = await compareReplicated(variants, 6, { workers: 1 });
    const p50 = comparison.differences.find((d) => d.metric === "latency.endToEnd.p50")!;
    expect(p50.significant).toBe(true);
    expect(p50.difference.mean).toBeLessThan(0);
    const separate = comparison.intervals.fifo!["latency.endToEnd.p50"]!.halfWidth;
    expect(p50.difference.halfWidth).toBeLessThan(separate);
  });
});

describe("compare report", () => {
  it("draws overlays with one colour per profile in every chart, compiling without warnings, and an offline page", async () => {
    const { overlayCharts } = await import("../../src/compare/charts.js");
    const { comparisonHtml } = await import("../../src/compare/html.js");
    const { vegaLiteWarnings } = await import("../../src/report/render.js");
    const built = buildVariants(workload, ["fifo", "rabbitmq", "redis-streams"]);
    if (!built.ok) throw new Error(JSON.stringify(built.issues));
    const runs = runVariants(built.variants, { series: "auto" });
    const charts = overlayCharts(runs);
    expect(charts.map((c) => c.name)).toEqual(["throughput", "lag", "latency-percentiles"]);
    const scales = charts.map((c) =>
      JSON.stringify((c.spec as { encoding?: { color?: { scale?: unknown } } }).encoding?.color?.scale),
    );
    expect(new Set(scales).size).toBe(1);
    for (const chart of charts) expect(vegaLiteWarnings(chart.spec)).toEqual([]);
    const html = comparisonHtml("test", 1, comparisonRows(runs), [{ name: "lag", title: "Lag", svg: "<svg></svg>" }]);
    for (const profile of ["fifo", "rabbitmq", "redis-streams"]) expect(html).toContain(`href="${profile}/index.html"`);
    expect(html).toContain("default-src 'none'");
  });
});
