// Proves the saga outcomes chart: one stacked bar per saga, its counts in the subtitle, and nothing for a run without sagas.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { sagaChartSpecs } from "../../src/report/saga-charts.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

describe("saga outcomes chart", () => {
  it("stacks each saga's outcomes and names the counts, stuck ones included", () => {
    const groups = ["stock", "payment", "release"];
    const run = runScenario(
      parsed(
        scenarioInput({
          producers: [{ name: "shop", rate: "50/s", limit: 100 }],
          consumers: groups.map((group) => ({ group, processing: "1ms" })),
          sagas: {
            checkout: {
              timeout: "5s",
              steps: [
                { group: "stock", compensate: "release" },
                { group: "payment", failure: 0.5 },
              ],
            },
          },
        }),
      ),
    );
    const chart = sagaChartSpecs(run)[0]!;
    const saga = run.summary.sagas!.checkout!;
    expect(chart.name).toBe("saga-outcomes");
    expect((chart.spec.title as { subtitle: string[] }).subtitle).toEqual([
      `checkout: ${saga.completed} completed, ${saga.compensated} compensated, 0 stuck, 0 in flight`,
    ]);
    const rows = (chart.spec.data as { values: { outcome: string; count: number }[] }).values;
    expect(rows.map((row) => [row.outcome, row.count])).toEqual([
      ["completed", saga.completed],
      ["compensated", saga.compensated],
      ["stuck", 0],
      ["in flight", 0],
    ]);
    expect(saga.completed + saga.compensated).toBe(100);
    expect(sagaChartSpecs(runScenario(parsed(scenarioInput())))).toEqual([]);
  });
});
