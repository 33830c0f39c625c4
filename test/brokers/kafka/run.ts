import { simulate } from "../../../src/index.js";
import type { MessageTable } from "../../../src/model/messages.js";
import { EventLog } from "../../helpers/event-log.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";

/** Settings that make timelines easy to read: no first-rebalance wait, no producer batching delay. */
export const QUIET = { "group.initial.rebalance.delay.ms": 0, "linger.ms": 0 };

/** An event log that also keeps the run's message table, to read partitions and keys. */
export class KafkaLog extends EventLog {
  messages!: MessageTable;

  watch(messages: MessageTable): void {
    this.messages = messages;
  }
}

/**
 * The broker's cost per record in these timelines: 5 us, whatever the record's size (the pre-capacity default,
 * which the timelines below were written with; capacity.test.ts tests the per-byte cost).
 */
export const FLAT_COST = { serviceTime: "5us", writeBandwidth: "unlimited" };

/** Runs a kafka scenario with an event log; `settings` merge over QUIET. */
export function runKafka(overrides: Record<string, unknown>, settings: Record<string, unknown> = {}, partitions = 1) {
  const log = new KafkaLog();
  const input = scenarioInput({
    broker: { profile: "kafka", partitions, ...FLAT_COST, settings: { ...QUIET, ...settings } },
    ...overrides,
  });
  const result = simulate(parsed(input), { observers: [log] });
  return { result, log };
}

/** One parsed "delivered" line of the event log. */
export interface Delivery {
  at: number;
  message: number;
  consumer: number;
  attempt: number;
}

export function deliveries(log: EventLog): Delivery[] {
  return log.matching("delivered").map((line) => {
    const [at, , message, , consumer, , , , attempt] = line.split(" ");
    return {
      at: Number(at!.slice(2)),
      message: Number(message!.slice(1)),
      consumer: Number(consumer!.slice(1)),
      attempt: attempt === undefined ? 1 : Number(attempt),
    };
  });
}

/** Times and message ids of "consumed" lines, optionally for one consumer. */
export function consumptions(log: EventLog, consumer?: number): { at: number; message: number }[] {
  return log
    .matching("consumed")
    .map((line) => line.split(" "))
    .filter((parts) => consumer === undefined || parts[4] === `c${consumer}`)
    .map((parts) => ({ at: Number(parts[0]!.slice(2)), message: Number(parts[2]!.slice(1)) }));
}
