import type { RetirementConditions } from "../brokers/profile.js";
import { retiresMessages, visitsStragglers } from "../brokers/registry.js";
import { brokerCrash } from "../faults/kinds/broker-crash.js";
import type { ParsedScenario } from "./schema.js";

/**
 * Why a run of `scenario` must keep a row for every message it makes, or null when it may retire them
 * (docs/design.md, "Memory"): its broker profiles report everything they hold (`retiresMessages`), and every
 * other component that keeps message ids reports them (run/retirement.ts, `retirementOf`): a producer's batches,
 * writes and requester through the producer (`Producer.oldestHeld`), the broker's delay stage through the broker
 * (`DelayedIntake`'s `forEachHeld` and `releaseRead`), a stage's writes through the flows (`StageFlows.oldestHeld`:
 * its relays' rows and batches, and each copy on its way until answered). Sagas hold no row (run/sagas.ts): what
 * their coordinator reads of a message it no longer holds (a compensation's consumption, the fate of what a stuck
 * saga waits on) is copied as the row retires, and a finished saga's duration is a count. The run's
 * retirement asks it (`mayRetire`), and so do the up-front budgets, which refuse a run whose rows alone would
 * pass `limits.maxMemory` and say why.
 */
export function rowsKeptBecause(scenario: ParsedScenario): string | null {
  const conditions = retirementConditions(scenario);
  const sections = [["broker", scenario.broker] as const, ...Object.entries(scenario.brokers ?? {})];
  for (const [name, section] of sections) {
    // A second broker (brokers:) reports as the main one does (ExtraBrokers.oldestHeld), if its profile can.
    if (!retiresMessages(section, conditions)) return profileKeeps(name, section.profile);
  }
  return null;
}

/**
 * Whether a retiring run of `scenario` may keep long-held messages apart as stragglers rather than let them pin
 * the watermark (`KeepApart`, run/stragglers.ts): every broker it uses reaches stragglers
 * (`visitsStragglers`).
 */
export function keepsStragglers(scenario: ParsedScenario): boolean {
  const sections = [scenario.broker, ...Object.values(scenario.brokers ?? {})];
  return sections.every((section) => visitsStragglers(section));
}

function profileKeeps(section: string, profile: string): string {
  const where = section === "broker" ? "broker" : `brokers.${section}`;
  return `${where}: profile ${profile} keeps them with these settings and faults`;
}

/** What the profile's `retiresMessages` may ask about the run. */
function retirementConditions(scenario: ParsedScenario): RetirementConditions {
  return { horizon: scenario.duration + scenario.drainTimeout, brokerCrashes: brokerMayCrash(scenario) };
}

/** Whether some fault crashes a broker or one of its nodes (BrokerContext.brokerMayCrash). */
export function brokerMayCrash(scenario: ParsedScenario): boolean {
  return scenario.faults.some((fault) => brokerCrash.is(fault));
}
