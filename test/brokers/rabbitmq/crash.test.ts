// Proves what a RabbitMQ consumer crash does: unacked deliveries return a network hop after a process dies, after heartbeat detection when it hangs, at the front, redelivered; autoAck loses what the consumer held; consumer_timeout requeues a stuck channel.
import { describe, expect, it } from "vitest";
import { evaluateChecks } from "../../../src/index.js";
import { rabbit, run } from "./run.js";

/** Six messages, one every 100 ms from t = 100 ms. */
const sixMessages = [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 6 }];

describe("rabbitmq consumer crash", () => {
  it("requeues a dead consumer process's unacked deliveries at once: its operating system closes the socket", () => {
    const { result, log } = run({
      duration: "1s",
      broker: rabbit({ prefetch: 2 }),
      producers: sixMessages,
      consumers: [{ group: "g", instances: 2, processing: "1s" }],
      faults: [{ at: "250ms", crash: "consumer", target: "g/1", restartAfter: "500ms" }],
    });
    // g/1 (c0) held only m0 when it died at 250 ms; the channel closes then, and g/2 (c1) has credit for it.
    expect(result.faults[0]?.effects).toEqual({ deliveriesHeld: 1 });
    expect(log.lines.filter((line) => line.includes("m0"))).toEqual([
      "t=100000 published m0",
      "t=100000 accepted m0",
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=250000 delivered m0 g0 c1 waited 150000 attempt 2",
      "t=2200000 effect m0 g0 c1 x1",
      "t=2200000 consumed m0 g0 c1 x1",
    ]);
    expect(result.counts).toMatchObject({ consumed: 6, redeliveries: 1, lost: 0, duplicated: 0 });
  });

  it("hears of the closed socket one network hop later", () => {
    const { log } = run({
      duration: "1s",
      network: { latency: "1ms" },
      broker: rabbit({ prefetch: 2 }),
      producers: sixMessages,
      consumers: [{ group: "g", instances: 2, processing: "1s" }],
      faults: [{ at: "250ms", crash: "consumer", target: "g/1", restartAfter: "500ms" }],
    });
    // The close leaves c0 at 250 ms and reaches the broker at 251 ms, which sends m0 on to c1 at once.
    expect(log.matching("attempt")).toEqual(["t=251000 delivered m0 g0 c1 waited 150000 attempt 2"]);
  });

  it("finds a hung consumer by heartbeats: two silent checks after the first check that follows its last frame", () => {
    const { result, log } = run({
      duration: "1s",
      broker: rabbit({ prefetch: 2 }),
      producers: sixMessages,
      consumers: [{ group: "g", instances: 2, processing: "1s" }],
      faults: [{ at: "250ms", crash: "consumer", target: "g/1", restartAfter: "500ms", mode: "hang" }],
    });
    // c0's last frame was its connection's opening at 0 (no ack yet, no heartbeat tick before 30 s). The
    // check at 60 s sees that frame, the checks at 120 s and 180 s see nothing: closed at 180 s. Meanwhile
    // the broker went on writing to the silent socket: m2 (300 ms) used c0's second prefetch slot.
    expect(log.matching("delivered").slice(0, 3)).toEqual([
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=200000 delivered m1 g0 c1 waited 0",
      "t=300000 delivered m2 g0 c0 waited 0",
    ]);
    expect(log.matching("attempt")).toEqual([
      "t=180000000 delivered m0 g0 c1 waited 179900000 attempt 2",
      "t=180000000 delivered m2 g0 c0 waited 179700000 attempt 2",
    ]);
    expect(result.counts).toMatchObject({ consumed: 6, redeliveries: 2, lost: 0, duplicated: 0 });
  });

  it("puts requeued messages back at the front, in order, ahead of messages that waited", () => {
    const { result, log } = run({
      duration: "1s",
      broker: rabbit({ prefetch: 2, heartbeat: "20s" }),
      producers: sixMessages,
      consumers: [{ group: "g", processing: "100s" }],
      faults: [{ at: "250ms", crash: "consumer", target: "g/1", restartAfter: "500ms", mode: "hang" }],
    });
    // The restarted consumer takes m2, m3 on its new connection; m0, m1 return at 60 s ahead of m4, m5.
    expect(log.matching("delivered")).toEqual([
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=200000 delivered m1 g0 c0 waited 0",
      "t=750000 delivered m2 g0 c0 waited 450000",
      "t=750000 delivered m3 g0 c0 waited 350000",
      "t=100750000 delivered m0 g0 c0 waited 100650000 attempt 2",
      "t=200750000 delivered m1 g0 c0 waited 200550000 attempt 2",
      "t=300750000 delivered m4 g0 c0 waited 300250000",
      "t=400750000 delivered m5 g0 c0 waited 400150000",
    ]);
    expect(result.counts).toMatchObject({ consumed: 6, redeliveries: 2, lost: 0 });
  });

  it("follows the heartbeat setting", () => {
    const { log } = run({
      duration: "1s",
      broker: rabbit({ prefetch: 2, heartbeat: "5s" }),
      producers: sixMessages,
      consumers: [{ group: "g", instances: 2, processing: "1s" }],
      faults: [{ at: "250ms", crash: "consumer", target: "g/1", restartAfter: "500ms", mode: "host" }],
    });
    // A dead host looks the same: closed at the third 5 s check, with m0 and m2 (sent to it at 300 ms).
    expect(log.matching("attempt")).toEqual([
      "t=15000000 delivered m0 g0 c1 waited 14900000 attempt 2",
      "t=15000000 delivered m2 g0 c0 waited 14700000 attempt 2",
    ]);
  });

  it("processes a message twice when the consumer crashes after its side effect, before the ack", () => {
    const { result, log } = run({
      duration: "3s",
      broker: rabbit({ prefetch: 2 }),
      producers: sixMessages,
      consumers: [{ group: "g", instances: 2, processing: "1s" }],
      faults: [{ at: "250ms", crash: "consumer", target: "g/1", restartAfter: "500ms", point: "after-side-effect" }],
    });
    // c0 dies at 1.1 s right after m0's effect; m0 returns at once and c1 takes it when its m1 is acked at 1.2 s.
    expect(log.matching("effect").filter((line) => line.includes(" m0 "))).toEqual([
      "t=1100000 effect m0 g0 c0 x1",
      "t=3200000 effect m0 g0 c1 x2",
    ]);
    expect(result.counts).toMatchObject({ consumed: 6, duplicated: 1, sideEffectsRepeated: 1, lost: 0 });
  });

  it("with autoAck loses exactly the messages the consumer held, and stays at-most-once", () => {
    const { result, log } = run({
      duration: "1s",
      broker: rabbit({ autoAck: true }),
      producers: sixMessages,
      consumers: [{ group: "g", instances: 2, processing: "1s" }],
      faults: [{ at: "550ms", crash: "consumer", target: "g/1", restartAfter: "500ms" }],
      expect: { delivery: "at-most-once" },
    });
    // Unlimited push: c0 had m0, m2 and m4 (one in processing, two in its buffer) when it crashed.
    expect(result.faults[0]?.effects).toEqual({ deliveriesHeld: 3 });
    expect(log.matching("dropped")).toEqual([
      "t=550000 dropped m0 g0 auto-ack-consumer-crash",
      "t=550000 dropped m2 g0 auto-ack-consumer-crash",
      "t=550000 dropped m4 g0 auto-ack-consumer-crash",
    ]);
    expect(result.counts).toMatchObject({ consumed: 3, lost: 3, redeliveries: 0, duplicated: 0, pending: 0 });
    expect(evaluateChecks(result)[0]).toMatchObject({ name: "delivery: at-most-once", passed: true });
  });

  it("closes a channel whose delivery stays unacked past consumer_timeout, at the next minute tick", () => {
    const { result, log } = run({
      duration: "1s",
      drainTimeout: "2h",
      broker: rabbit({ prefetch: 2 }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 2 }],
      consumers: [{ group: "g", processing: "20min" }],
    });
    // m1 waits 20 min in the buffer, then takes 20 min: at the 31 min tick it has been unacked 30 min 59.8 s.
    // Requeued and redelivered on the consumer's new channel; the first copy's ack at 40 min is stale.
    expect(log.lines.filter((line) => line.split(" ").includes("m1") && !line.includes("accepted"))).toEqual([
      "t=200000 published m1",
      "t=200000 delivered m1 g0 c0 waited 0",
      "t=1860000000 delivered m1 g0 c0 waited 1859800000 attempt 2",
      "t=2400100000 effect m1 g0 c0 x1",
      "t=2400100000 consumed m1 g0 c0 x1",
      "t=3600100000 effect m1 g0 c0 x2",
      "t=3600100000 consumed m1 g0 c0 x2",
    ]);
    expect(result.counts).toMatchObject({ consumed: 2, duplicated: 1, lost: 0, pending: 0 });
    expect(result.drained).toBe(true);
  });

  it("checks on every channel_tick_interval", () => {
    const { log } = run({
      duration: "1s",
      drainTimeout: "1min",
      broker: rabbit({ prefetch: 1, consumer_timeout: "5s", channel_tick_interval: "1s" }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 1 }],
      consumers: [{ group: "g", processing: "20s" }],
    });
    // Delivered at 100 ms; unacked for more than 5 s at the 6 s tick.
    expect(log.matching("attempt")[0]).toBe("t=6000000 delivered m0 g0 c0 waited 5900000 attempt 2");
  });

  it("never times out with consumer_timeout null", () => {
    const { result } = run({
      duration: "1s",
      drainTimeout: "2h",
      broker: rabbit({ prefetch: 2, consumer_timeout: null }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 2 }],
      consumers: [{ group: "g", processing: "20min" }],
    });
    expect(result.counts).toMatchObject({ consumed: 2, duplicated: 0, redeliveries: 0 });
  });
});
