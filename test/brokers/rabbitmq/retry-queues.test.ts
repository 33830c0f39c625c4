// Proves RabbitMQ retry queues expire copies only at the head (a copy waits behind a longer-lived one), keep one queue per group and level, and survive or lose their copies in a broker crash as the work queue does.
import { describe, expect, it } from "vitest";
import { RetryQueues } from "../../../src/brokers/rabbitmq/retry-queues.js";
import { Simulation } from "../../../src/engine/simulation.js";

function setUp() {
  const sim = new Simulation();
  const back: string[] = [];
  const queues = new RetryQueues(sim, 2, (message, group) => back.push(`t=${sim.now} m${message} g${group}`));
  return { sim, back, queues };
}

describe("RetryQueues", () => {
  it("expires at the head only: a short wait behind a long one leaves with it", () => {
    const { sim, back, queues } = setUp();
    queues.hold(1, 0, 1, 5000);
    queues.hold(2, 0, 1, 1000);
    sim.run({ untilTime: 10_000, maxEvents: 100 });
    expect(back).toEqual(["t=5000 m1 g0", "t=5000 m2 g0"]);
  });

  it("keeps levels and groups apart: each has its own head", () => {
    const { sim, back, queues } = setUp();
    queues.hold(1, 0, 1, 5000);
    queues.hold(2, 0, 2, 1000);
    queues.hold(3, 1, 1, 2000);
    sim.run({ untilTime: 10_000, maxEvents: 100 });
    expect(back).toEqual(["t=1000 m2 g0", "t=2000 m3 g1", "t=5000 m1 g0"]);
    expect(queues.published).toBe(3);
  });

  it("a crash of non-durable queues loses the copies; durable ones expire after the restart", () => {
    const lost: number[] = [];
    const transient = setUp();
    transient.queues.hold(1, 0, 1, 5000);
    transient.queues.crash(false, (message) => lost.push(message));
    transient.sim.run({ untilTime: 10_000, maxEvents: 100 });
    expect([lost, transient.back]).toEqual([[1], []]);

    const durable = setUp();
    durable.queues.hold(1, 0, 1, 5000);
    durable.queues.crash(true, () => {});
    durable.sim.schedule(7000, () => durable.queues.restart());
    durable.sim.run({ untilTime: 10_000, maxEvents: 100 });
    expect(durable.back).toEqual(["t=7000 m1 g0"]);
    const held: number[] = [];
    durable.queues.forEachHeld((message) => held.push(message));
    expect(held).toEqual([]);
  });
});
