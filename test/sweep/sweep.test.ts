// Proves sweeps expand grids over named paths, shard and merge to byte-identical results, and find capacity by bisection.
import { describe, expect, it } from "vitest";
import { findSmallest, parseTarget } from "../../src/sweep/find.js";
import { parseParameter, withParameter } from "../../src/sweep/params.js";
import {
  expandGrid,
  mergePartials,
  runPoints,
  type SweepPartial,
  shardPoints,
  sweepCsv,
} from "../../src/sweep/sweep.js";
import { scenarioInput } from "../helpers/scenario.js";

const data = scenarioInput({
  duration: "5s",
  producers: [{ name: "orders", rate: "800/s" }],
  consumers: [{ group: "billing", processing: { dist: "exponential", mean: "2ms" } }],
});

function grid(params: string[]) {
  const parameters = params.map((text) => {
    const parameter = parseParameter(text);
    if (typeof parameter === "string") throw new Error(parameter);
    return parameter;
  });
  const expanded = expandGrid(data, parameters);
  if (!expanded.ok) throw new Error(JSON.stringify(expanded.issues));
  return { parameters, points: expanded.points };
}

describe("parameters", () => {
  it("parses ranges with steps and lists of YAML scalars", () => {
    expect(parseParameter("consumers.billing.instances=2..8:3")).toEqual({
      path: "consumers.billing.instances",
      values: [2, 5, 8],
    });
    expect(parseParameter("producers.orders.rate=1000/s, 2000/s")).toEqual({
      path: "producers.orders.rate",
      values: ["1000/s", "2000/s"],
    });
    expect(parseParameter("x=5..2")).toBe("the range 5..2 is empty");
  });

  it("sets values by name inside lists and creates missing mappings", () => {
    const changed = withParameter(data, "consumers.billing.instances", 4) as typeof data;
    expect((changed.consumers as { instances?: number }[])[0]?.instances).toBe(4);
    const settings = withParameter(data, "broker.settings.prefetch", 9) as {
      broker: { settings: { prefetch: number } };
    };
    expect(settings.broker.settings.prefetch).toBe(9);
    expect(withParameter(data, "consumers.nobody.instances", 2)).toMatch(/nothing at "consumers.nobody"/);
  });

  it("expands the grid with the first parameter varying slowest, validating each point", () => {
    const { points } = grid(["consumers.billing.instances=1..2", "producers.orders.rate=100/s,200/s"]);
    expect(points.map((p) => p.values)).toEqual([
      [1, "100/s"],
      [1, "200/s"],
      [2, "100/s"],
      [2, "200/s"],
    ]);
    const bad = expandGrid(data, [{ path: "consumers.billing.instances", values: [0] }]);
    expect(bad.ok ? "" : bad.issues[0]?.message).toMatch(/^at consumers.billing.instances=0: expected more than 0/);
  });
});

describe("sharding", () => {
  it("gives byte-identical CSV whether the points run together or in three shards merged", async () => {
    const { parameters, points } = grid(["consumers.billing.instances=1..4", "producers.orders.rate=300/s,600/s"]);
    const partial = (results: SweepPartial["results"]): SweepPartial => ({
      scenario: "test",
      parameters: parameters.map((p) => p.path),
      points: points.length,
      replications: 2,
      results,
    });
    const whole = partial(await runPoints(points, 2, { workers: 1 }));
    const shards = [];
    for (const index of [3, 1, 2]) {
      shards.push(partial(await runPoints(shardPoints(points, { index, count: 3 }), 2, { workers: 1 })));
    }
    const merged = mergePartials(shards);
    if (typeof merged === "string") throw new Error(merged);
    expect(sweepCsv(merged)).toBe(sweepCsv(whole));
    expect(sweepCsv(whole).split("\n")[0]).toBe(
      "point,consumers.billing.instances,producers.orders.rate,metric,mean,half_width,low,high,replications",
    );
    expect(mergePartials(shards.slice(1))).toMatch(/missing: merge every shard/);
  });
});

describe("find", () => {
  it("bisects to the smallest consumer count that keeps lag under the target", async () => {
    // 800 msg/s at 2 ms each needs 1.6 servers: one consumer falls behind, two keep up.
    const { points } = grid(["consumers.billing.instances=1..8"]);
    const target = parseTarget("lag.max < 50");
    if (typeof target === "string") throw new Error(target);
    const answer = await findSmallest({
      path: "consumers.billing.instances",
      values: [1, 2, 3, 4, 5, 6, 7, 8],
      target,
      replications: 1,
      context: "",
      pointAt: (value) => points.find((p) => p.values[0] === value)!,
    });
    expect(answer.value).toBe(2);
    expect(answer.below?.value).toBe(1);
    expect(answer.evaluated).toBeLessThanOrEqual(4);
    expect(answer.sentence).toMatch(
      /^consumers.billing.instances = 2 meets lag.max < 50 \(observed [\d.,]+\); 1 does not/,
    );
  });

  it("reads metric aliases and rejects unknown metrics with a suggestion", () => {
    expect(parseTarget("lag.max < 10,000")).toMatchObject({
      metric: "backpressure.maxLag",
      operator: "<",
      value: 10000,
    });
    expect(parseTarget("lag.mx < 3")).toBe('"lag.mx" is not a metric; did you mean lag.max?');
  });
});

describe("sweep charts", () => {
  it("draws each key metric against the first parameter with a band, compiling without warnings", async () => {
    const { sweepCharts } = await import("../../src/sweep/charts.js");
    const { vegaLiteWarnings } = await import("../../src/report/render.js");
    const { parameters, points } = grid(["consumers.billing.instances=1..3", "producers.orders.rate=300/s,600/s"]);
    const results = await runPoints(points, 2, { workers: 1 });
    const charts = sweepCharts({
      scenario: "test",
      parameters: parameters.map((p) => p.path),
      points: 6,
      replications: 2,
      results,
    });
    expect(charts.map((c) => c.name)).toEqual([
      "backpressure-maxLag",
      "latency-endToEnd-p99",
      "latency-endToEnd-mean",
      "throughput-consumed",
    ]);
    for (const chart of charts) expect(vegaLiteWarnings(chart.spec)).toEqual([]);
    const rows = (charts[0]!.spec as { data: { values: { series: string }[] } }).data.values;
    expect(new Set(rows.map((row) => row.series))).toEqual(new Set(["300/s", "600/s"]));
  });
});
