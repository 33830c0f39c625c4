import { join } from "node:path";
import { loadScenarioFile, type Run, runScenario } from "../../src/index.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const scenarios = join(import.meta.dirname, "..", "..", "scenarios");

/** A shipped scenario, run the way the CLI runs it (with a time series). */
export function shippedRun(name: string, seed?: number): Run {
  const loaded = loadScenarioFile(join(scenarios, `${name}.yaml`));
  if (!loaded.ok) throw new Error(`scenarios/${name}.yaml is invalid`);
  const scenario = seed === undefined ? loaded.scenario : { ...loaded.scenario, seed };
  return runScenario(scenario, { series: "auto" });
}

/**
 * A rough one: two groups, a consumer crashing at random over and over (more
 * fault windows than the charts label one by one), poison messages that are
 * dead-lettered, a short queue that drops, and a deliberately hostile description.
 */
export function stressRun(): Run {
  const input = scenarioInput({
    name: "stress",
    description: `Crashes <b>&</b> "poison" 'quotes'`,
    duration: "5s",
    broker: {
      profile: "fifo",
      settings: { deliveryLimit: 3, maxLength: 300, overflow: "drop-head", crashDetection: "200ms" },
    },
    producers: [{ name: "p", rate: "400/s", keys: { count: 50 } }],
    consumers: [
      { group: "billing", instances: 3, processing: "2ms" },
      { group: "audit.log", processing: "1ms" },
    ],
    faults: [
      { every: "300ms", crash: "consumer", target: "billing/*", restartAfter: "100ms" },
      { poison: { fraction: 0.02 } },
    ],
    expect: { delivery: "exactly-once", latency: { p99: "20ms" } },
  });
  return runScenario(parsed(input), { series: "auto" });
}

/** A run in which nothing is published: every chart has no data at all. */
export function emptyRun(): Run {
  return runScenario(parsed(scenarioInput({ name: "empty", duration: "2ms" })), { series: "auto" });
}
