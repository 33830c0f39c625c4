// Proves Kafka's capacity model: each broker serves the partitions it leads with its own queue, so more brokers (with partitions to spread over them) carry more, and a record costs its per-record time plus its bytes times the replication factor at writeBandwidth.
import { describe, expect, it } from "vitest";
import { simulate } from "../../../src/index.js";
import { parsed, scenarioInput } from "../../helpers/scenario.js";
import { QUIET, runKafka } from "./run.js";

/** 1 s of `rate` 1 KB records over `partitions` partitions; the mean time from publish to the leader's append. */
function overloaded(brokers: number, partitions: number, rate: string, size = "1KB", factor = 1) {
  const result = simulate(
    parsed(
      scenarioInput({
        duration: "1s",
        drainTimeout: "1m",
        broker: {
          profile: "kafka",
          brokers,
          partitions,
          serviceTime: "10us",
          writeBandwidth: "unlimited",
          settings: { "linger.ms": 0, "group.initial.rebalance.delay.ms": 0, "default.replication.factor": factor },
        },
        producers: [{ name: "p", arrival: { process: "constant", rate }, size, keys: { count: 1000 } }],
        consumers: [{ group: "g", instances: partitions, processing: "1us" }],
      }),
    ),
  );
  return result;
}

describe("kafka capacity", () => {
  it("a record costs serviceTime plus its bytes times the replication factor at writeBandwidth, queued per leader", () => {
    // Two producers each send one 1000-byte record at 10 ms; 1 us + 1000 B x 3 replicas / (1000 B/us) = 4 us each,
    // one after the other at the leader (acks=1 confirms at the append).
    const { log } = runKafka({
      duration: "20ms",
      broker: {
        profile: "kafka",
        brokers: 3,
        serviceTime: "1us",
        writeBandwidth: 1_000_000_000,
        settings: { ...QUIET, acks: 1, "default.replication.factor": 3 },
      },
      producers: [
        { name: "a", arrival: { process: "constant", rate: "100/s" }, size: "1000B", limit: 1 },
        { name: "b", arrival: { process: "constant", rate: "100/s" }, size: "1000B", limit: 1 },
      ],
      consumers: [{ group: "g", processing: "1us" }],
    });
    expect(log.matching("accepted")).toEqual(["t=10004 accepted m0", "t=10008 accepted m1"]);
  });

  it("one broker at 10 us per record carries 100,000 records/s; three brokers leading three partitions carry three times that", () => {
    // 150,000 records/s: one broker falls behind by 50,000 records in the second (0.5 s of backlog at the end);
    // three brokers, each leading one of the three partitions, keep up.
    const one = overloaded(1, 3, "150000/s");
    const three = overloaded(3, 3, "150000/s");
    expect(one.endToEnd.max).toBeGreaterThan(300_000);
    expect(three.endToEnd.max).toBeLessThan(1_000);
  });

  it("more brokers add nothing when one partition holds everything: its one leader does the work", () => {
    const oneBroker = overloaded(1, 1, "150000/s");
    const threeBrokers = overloaded(3, 1, "150000/s");
    expect(threeBrokers.endToEnd.max).toBe(oneBroker.endToEnd.max);
  });
});
