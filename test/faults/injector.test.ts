// Proves the injector schedules faults (at, every, stableFor, the heal at duration) on nothing but the narrow FaultWorld: a clock, streams, an observer and a broker to crash.
import { describe, expect, it } from "vitest";
import { Simulation } from "../../src/engine/simulation.js";
import { FaultInjector } from "../../src/faults/injector.js";
import type { Fault } from "../../src/faults/registry.js";
import type { FaultWorld } from "../../src/faults/world.js";
import { RandomStreams } from "../../src/random/streams.js";

/** A world of one broker that logs what is done to it; no consumers, producers or links. */
function brokerOnlyWorld(duration: number) {
  const sim = new Simulation();
  const log: string[] = [];
  const world: FaultWorld = {
    sim,
    duration,
    streams: new RandomStreams(1),
    observer: {
      fault: (kind, target, began, now) => log.push(`t=${now} ${kind} ${target} ${began ? "began" : "ended"}`),
    },
    broker: {
      crash: (failure) => log.push(`t=${sim.now} crash ${failure}`),
      restart: () => log.push(`t=${sim.now} restart`),
    },
    deliveries: { inFlight: 3 },
    messages: { retiredPoison: 0, slot: (id: number) => id, poison: new Uint8Array(0), forEachInPlay: () => {} },
    consumers: [],
    producers: [],
    dependencies: [],
    link: () => {
      throw new Error("no links in this world");
    },
  };
  return { sim, world, log };
}

const brokerCrash = (timing: Partial<{ at: number; every: number; stableFor: number }>, restartAfter: number | null) =>
  ({
    kind: "broker-crash",
    index: 0,
    timing: {
      at: timing.at ?? 0,
      every: timing.every === undefined ? null : { dist: "constant", value: timing.every },
      stableFor: timing.stableFor ?? 0,
    },
    node: null,
    failure: "host",
    restartAfter,
  }) satisfies Fault;

describe("the fault injector", () => {
  it("repeats a random fault one wait after each occurrence ends, and starts none at or after duration", () => {
    const { sim, world, log } = brokerOnlyWorld(5_000_000);
    const injector = new FaultInjector([brokerCrash({ every: 1_000_000 }, 500_000)], world);
    injector.start();
    sim.run({ untilTime: 10_000_000, maxEvents: 1000 });
    expect(log).toEqual([
      "t=1000000 broker-crash broker began",
      "t=1000000 crash host",
      "t=1500000 broker-crash broker ended",
      "t=1500000 restart",
      "t=2500000 broker-crash broker began",
      "t=2500000 crash host",
      "t=3000000 broker-crash broker ended",
      "t=3000000 restart",
      "t=4000000 broker-crash broker began",
      "t=4000000 crash host",
      "t=4500000 broker-crash broker ended",
      "t=4500000 restart",
    ]);
    expect(injector.occurrences.map((o) => [o.start, o.end, o.effects])).toEqual([
      [1_000_000, 1_500_000, { deliveriesOpen: 3 }],
      [2_500_000, 3_000_000, { deliveriesOpen: 3 }],
      [4_000_000, 4_500_000, { deliveriesOpen: 3 }],
    ]);
  });

  it("waits at least stableFor between occurrences", () => {
    const { sim, world } = brokerOnlyWorld(5_000_000);
    const injector = new FaultInjector([brokerCrash({ every: 1_000_000, stableFor: 2_000_000 }, 500_000)], world);
    injector.start();
    sim.run({ untilTime: 10_000_000, maxEvents: 1000 });
    // The first occurrence waits one draw of every only; the next max(stableFor, every) after it ended.
    expect(injector.occurrences.map((o) => [o.start, o.end])).toEqual([
      [1_000_000, 1_500_000],
      [3_500_000, 4_000_000],
    ]);
  });

  it("heals at duration a fault with no restart of its own", () => {
    const { sim, world, log } = brokerOnlyWorld(5_000_000);
    const injector = new FaultInjector([brokerCrash({ at: 2_000_000 }, null)], world);
    injector.start();
    sim.run({ untilTime: 10_000_000, maxEvents: 1000 });
    expect(log).toEqual([
      "t=2000000 broker-crash broker began",
      "t=2000000 crash host",
      "t=5000000 broker-crash broker ended",
      "t=5000000 restart",
    ]);
    expect(injector.occurrences[0]).toMatchObject({ start: 2_000_000, end: 5_000_000 });
  });
});
