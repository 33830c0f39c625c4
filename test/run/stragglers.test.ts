// Proves a long-held message no longer pins the retirement: a run whose DLQ holds what an early outage dead-lettered until a late redrive keeps them apart as stragglers, its table stays at its first size, and its summary is the same as with retirement off.
import { describe, expect, it } from "vitest";
import type { MessageTable } from "../../src/model/messages.js";
import { runScenario } from "../../src/pipeline/run-scenario.js";
import { RETIRING_TABLE_ROWS } from "../../src/run/retirement.js";
import { TableKeeper } from "../helpers/retirement.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/** 3,600/s for 60 s through a fifo queue; half a second of outage dead-letters ~1,800 orders, redriven at 55 s. */
function lateRedrive(profile: string) {
  return parsed(
    scenarioInput({
      duration: "60s",
      drainTimeout: "30s",
      broker: { profile },
      network: { latency: 0 },
      producers: [{ name: "checkout", rate: "3600/s" }],
      dependencies: { payments: { latency: { dist: "exponential", mean: "1ms" }, concurrency: 100 } },
      faults: [{ at: "5s", for: "500ms", outage: { dependency: "payments" } }],
      consumers: [
        {
          group: "orders",
          instances: 4,
          steps: [{ call: "payments", sideEffect: true }],
          retry: { maxAttempts: 2, backoff: { type: "none" }, onExhausted: "dead-letter" },
          redrive: [{ at: "55s", rate: "2000/s" }],
        },
      ],
    }),
  );
}

describe("stragglers: a message held long does not pin the retirement", () => {
  it("dead letters waiting for a late redrive are kept apart", () => {
    const scenario = lateRedrive("fifo");
    const off = JSON.stringify(runScenario(scenario, { retire: "off" }).summary);
    const keeper = new TableKeeper();
    let mostApart = 0;
    const watchApart = new (class extends TableKeeper {
      override watch(messages: MessageTable): void {
        keeper.watch(messages);
        messages.onRetireRange(() => {
          mostApart = Math.max(mostApart, messages.stragglerIds().length);
        });
      }
    })();
    const run = runScenario(scenario, { observers: [watchApart] });
    expect(JSON.stringify(run.summary)).toBe(off);
    const { table } = keeper;
    // Every message was made (216,000), most of them after the dead letters; the ring never grew past its first
    // size, which it would have had to (to 262,144 rows) with the dead letters pinning it.
    expect(table!.count).toBeGreaterThan(200_000);
    expect(table!.capacity).toBe(RETIRING_TABLE_ROWS);
    expect(mostApart).toBeGreaterThan(1000);
    // The stragglers were redriven and consumed at 55 s, and only then retired.
    const redriven = (run.summary as { retries: Record<string, { redriven: number; redrivenConsumed: number }> })
      .retries.orders!;
    expect(redriven.redrivenConsumed).toBe(redriven.redriven);
    expect(redriven.redriven).toBeGreaterThan(1000);
  });
});
