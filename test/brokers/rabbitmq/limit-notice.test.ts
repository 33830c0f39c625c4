// Proves a quorum queue's reject-publish notices (rabbit_fifo): reject_publish once the applied queue holds more than the limit, go once it is back at 80%, each heard a delay later.
import { describe, expect, it } from "vitest";
import { LimitNotice } from "../../../src/brokers/rabbitmq/limit-notice.js";
import { Simulation } from "../../../src/engine/simulation.js";

describe("rabbitmq quorum limit notices", () => {
  it("tells publishers to stop only when the queue goes over its limit, and only after the delay", () => {
    const sim = new Simulation();
    const notice = new LimitNotice(1, 10, 5, sim);
    notice.lengthChanged(0, 10);
    sim.run({ untilTime: 100, maxEvents: 100 });
    expect(notice.refuses(0)).toBe(false);
    // Over the limit at 0 (the clock stays where the last event left it): heard at 5.
    notice.lengthChanged(0, 11);
    expect(notice.refuses(0)).toBe(false);
    sim.run({ untilTime: 4, maxEvents: 100 });
    expect(notice.refuses(0)).toBe(false);
    sim.run({ untilTime: 5, maxEvents: 100 });
    expect(notice.refuses(0)).toBe(true);
  });

  it("lets them go again only at 80% of the limit", () => {
    const sim = new Simulation();
    const notice = new LimitNotice(1, 10, 0, sim);
    notice.lengthChanged(0, 11);
    sim.run({ untilTime: 1, maxEvents: 100 });
    notice.lengthChanged(0, 9);
    sim.run({ untilTime: 2, maxEvents: 100 });
    expect(notice.refuses(0)).toBe(true);
    notice.lengthChanged(0, 8);
    sim.run({ untilTime: 3, maxEvents: 100 });
    expect(notice.refuses(0)).toBe(false);
  });
});
