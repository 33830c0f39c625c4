// Runs a scenario with retirement off and forced after every event, for the retirement tests (test/run/retirement*.test.ts).
import { expect } from "vitest";
import { EventBudgetExceeded } from "../../src/engine/simulation.js";
import { type ParsedScenario, validateScenario } from "../../src/index.js";
import type { MessageTable } from "../../src/model/messages.js";
import { NullObserver } from "../../src/model/observer.js";
import { runScenario } from "../../src/pipeline/run-scenario.js";
import { mayRetire } from "../../src/run/retirement.js";

/** Keeps the run's message table, to look at what it still holds once the run has ended. */
export class TableKeeper extends NullObserver {
  table: MessageTable | null = null;
  watch(messages: MessageTable): void {
    this.table = messages;
  }
}

const FORCED = { every: 1, rows: 16 } as const;

/** Profiles that give each group its own queue (stages and sagas need one) and retire without a broker crash. */
export const QUEUE_PER_GROUP_PROFILES = [
  "rabbitmq",
  "rabbitmq-quorum",
  "fifo",
  "sqs",
  "sqs-fifo",
  "kafka",
  "redis-list",
  "redis-reliable-list",
  "redis-streams",
  "bullmq",
] as const;

/**
 * Broker settings for short generated runs: Kafka joins its groups at once and commits every 100 ms (its log is
 * kept back to the lowest committed offset, and the default 3 s join would leave a 2 s run unconsumed); SQS
 * long-polls with a 1 s visibility timeout.
 */
export const SHORT_RUN_BROKER_EXTRAS: Partial<
  Record<(typeof QUEUE_PER_GROUP_PROFILES)[number], Record<string, unknown>>
> = {
  kafka: { partitions: 2, settings: { "group.initial.rebalance.delay.ms": 0, "auto.commit.interval.ms": 100 } },
  sqs: { settings: { WaitTimeSeconds: 20, receiveRoundTrip: "2ms", VisibilityTimeout: 1 } },
  "sqs-fifo": { settings: { WaitTimeSeconds: 20, receiveRoundTrip: "2ms", VisibilityTimeout: 1 } },
};

/** The summary with retirement off and forced, and the forced run's table. */
export function bothWays(scenario: ParsedScenario) {
  const off = `${JSON.stringify(runScenario(scenario, { retire: "off" }).summary, null, 2)}\n`;
  const keeper = new TableKeeper();
  const forced = `${JSON.stringify(runScenario(scenario, { retire: FORCED, observers: [keeper] }).summary, null, 2)}\n`;
  return { off, forced, table: keeper.table! };
}

/**
 * Runs every scenario both ways, requiring each to be one its profile lets retire and to give the same summary
 * either way; returns how many did retire something (a run whose messages all stay in play retires nothing).
 */
export function sameRetiringOrNot<Run>(runs: readonly Run[], scenarioOf: (run: Run) => ParsedScenario): number {
  let retired = 0;
  for (const run of runs) {
    const scenario = scenarioOf(run);
    expect(mayRetire(scenario), JSON.stringify(run)).toBe(true);
    const { off, forced, table } = bothWays(scenario);
    expect(forced, JSON.stringify(run)).toBe(off);
    if (table.base > 0) retired++;
  }
  return retired;
}

/**
 * Generated scenario inputs (the swarm's generator) both ways, capped at 200,000 events (one that needs more is
 * passed over): each gives the same summary. Returns how many its profile lets retire and how many did retire.
 */
export function generatedSameRetiringOrNot(inputs: readonly unknown[]): { retiring: number; retired: number } {
  let retiring = 0;
  let retired = 0;
  for (const input of inputs) {
    const validated = validateScenario(input);
    if (!validated.ok) throw new Error(JSON.stringify(validated.issues));
    const scenario = { ...validated.scenario, limits: { ...validated.scenario.limits, maxEvents: 200_000 } };
    let both: ReturnType<typeof bothWays>;
    try {
      both = bothWays(scenario);
    } catch (error) {
      if (error instanceof EventBudgetExceeded) continue;
      throw error;
    }
    expect(both.forced, JSON.stringify(input)).toBe(both.off);
    if (mayRetire(scenario)) retiring++;
    if (both.table.base > 0) retired++;
  }
  return { retiring, retired };
}
