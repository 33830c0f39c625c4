// Runs a scenario with retirement off and forced after every event, for the retirement tests (test/run/retirement*.test.ts).
import type { ParsedScenario } from "../../src/index.js";
import type { MessageTable } from "../../src/model/messages.js";
import { NullObserver } from "../../src/model/observer.js";
import { runScenario } from "../../src/pipeline/run-scenario.js";

/** Keeps the run's message table, to look at what it still holds once the run has ended. */
export class TableKeeper extends NullObserver {
  table: MessageTable | null = null;
  watch(messages: MessageTable): void {
    this.table = messages;
  }
}

const FORCED = { every: 1, rows: 16 } as const;

/** The summary with retirement off and forced, and the forced run's table. */
export function bothWays(scenario: ParsedScenario) {
  const off = `${JSON.stringify(runScenario(scenario, { retire: "off" }).summary, null, 2)}\n`;
  const keeper = new TableKeeper();
  const forced = `${JSON.stringify(runScenario(scenario, { retire: FORCED, observers: [keeper] }).summary, null, 2)}\n`;
  return { off, forced, table: keeper.table! };
}
