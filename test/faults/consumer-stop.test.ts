// Proves a clean consumer stop drains, hands back what it had not started by each broker's rules, and differs from a crash as documented.
import { describe, expect, it } from "vitest";
import type { MessageTable } from "../../src/model/messages.js";
import { NullObserver } from "../../src/model/observer.js";
import { simulate } from "../../src/index.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/** Per partition, the longest time between two consumptions in group 0 from `from` on: how long it went unread. */
class PartitionGaps extends NullObserver {
  private messages!: MessageTable;
  private readonly last = new Map<number, number>();
  longest = 0;
  constructor(private readonly from: number) {
    super();
  }
  watch(messages: MessageTable): void {
    this.messages = messages;
  }
  consumed(message: number, group: number, _consumer: number, _times: number, now: number): void {
    if (group !== 0 || now < this.from) return;
    const partition = this.messages.partition[message]!;
    const previous = this.last.get(partition) ?? this.from;
    this.longest = Math.max(this.longest, now - previous);
    this.last.set(partition, now);
  }
}

function kafkaRun(fault: Record<string, unknown>, commit = "after-processing") {
  const gaps = new PartitionGaps(20_000_000);
  const result = simulate(
    parsed(
      scenarioInput({
        duration: "60s",
        drainTimeout: "5m",
        broker: { profile: "kafka", partitions: 6, settings: { "enable.auto.commit": true } },
        producers: [{ name: "orders", arrival: { process: "constant", rate: "200/s" }, keys: { count: 60 } }],
        consumers: [{ group: "billing", instances: 3, processing: "2ms" }],
        faults: [{ at: "20s", target: "billing/2", restartAfter: "10s", ...fault }],
      }),
    ),
    { observers: [gaps] },
  );
  return { result, unreadMicros: gaps.longest };
}

describe("Kafka: clean stop against crash", () => {
  it("explore", () => {
    const stop = kafkaRun({ stop: "consumer" });
    const crash = kafkaRun({ crash: "consumer" });
    console.log(stop.result.counts, stop.unreadMicros, stop.result.faults);
    console.log(crash.result.counts, crash.unreadMicros, crash.result.faults);
  });
});
