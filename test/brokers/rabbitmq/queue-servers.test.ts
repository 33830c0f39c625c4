// Proves the RabbitMQ throughput model: each queue handles its publishes one at a time (serviceTime each), queues work in parallel up to `cores`, and a publish is confirmed when its last queue is done.
import { describe, expect, it } from "vitest";
import { QueueServers } from "../../../src/brokers/rabbitmq/queue-servers.js";
import { run } from "./run.js";

/** Three publishes 1 us apart to a fanout exchange with `groups` queues, each taking 1 ms per publish. */
function threePublishes(groups: number, cores: number) {
  const { log } = run({
    duration: "1s",
    broker: { profile: "rabbitmq", serviceTime: "1ms", settings: { cores, prefetch: 1 } },
    producers: [{ name: "p", arrival: { process: "constant", rate: "1000000/s" }, limit: 3 }],
    consumers: Array.from({ length: groups }, (_, group) => ({ group: `g${group}`, processing: "1us" })),
  });
  return log.matching("accepted");
}

describe("rabbitmq queue servers", () => {
  it("serves one queue's publishes one at a time", () => {
    expect(threePublishes(1, 4)).toEqual(["t=1001 accepted m0", "t=2001 accepted m1", "t=3001 accepted m2"]);
  });

  it("serves two queues in parallel on two cores: a fanout costs no more than one queue", () => {
    expect(threePublishes(2, 2)).toEqual(["t=1001 accepted m0", "t=2001 accepted m1", "t=3001 accepted m2"]);
  });

  it("serves them one after the other on one core", () => {
    expect(threePublishes(2, 1)).toEqual(["t=2001 accepted m0", "t=4001 accepted m1", "t=6001 accepted m2"]);
  });

  it("hands each queue's work to the core that frees first", () => {
    const servers = new QueueServers(3, 2, () => 10);
    expect(servers.finishTime([0, 1, 2], 0)).toBe(20);
    expect(servers.finishTime([2], 0)).toBe(30);
    expect(servers.finishTime([0], 5)).toBe(30);
  });

  it("does nothing without a service time", () => {
    expect(new QueueServers(1, 1, null).finishTime([0], 7)).toBe(7);
  });
});
