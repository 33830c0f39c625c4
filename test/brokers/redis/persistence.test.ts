// Proves how a broker crash treats each keyed Redis profile under its persistence settings: RDB loses writes since the last snapshot (process or host crash alike), AOF loses nothing on a process crash and, on a host crash, at most 1 s (everysec) or nothing acknowledged (always); no persistence loses everything; undone pops and acks come back as duplicates.
import { describe, expect, it } from "vitest";
import { evaluateChecks } from "../../../src/index.js";
import { every100ms, messagesIn, redis, run } from "./run.js";

/**
 * One message every 100 ms (m0 at 0.1 s) into a group whose only consumer
 * is down until 3 s, so everything stays queued; the broker crashes at 2.5 s
 * for 200 ms (m24 and m25 are refused), with m0..m23 queued.
 */
function backlogCrash(profile: string, settings: Record<string, unknown>, mode: "process" | "host" = "host") {
  return run({
    duration: "3s",
    broker: redis(profile, settings),
    producers: [every100ms()],
    consumers: [{ group: "g", processing: "1ms" }],
    faults: [
      { at: 0, crash: "consumer", target: "g" },
      { at: "2.5s", crash: "broker", mode, restartAfter: "200ms" },
    ],
    expect: { delivery: "at-least-once" },
  });
}

/** m0 is pushed at 0.1 s, popped and consumed at 1.5 s; the broker crashes at 1.8 s and is back at 2 s. */
function popThenCrash(profile: string, settings: Record<string, unknown>, mode: "process" | "host" = "host") {
  return run({
    duration: "3s",
    broker: redis(profile, settings),
    producers: [every100ms({ limit: 1 })],
    consumers: [{ group: "g", processing: "50ms" }],
    faults: [
      { at: 0, crash: "consumer", target: "g", restartAfter: "1.5s" },
      { at: "1.8s", crash: "broker", mode, restartAfter: "200ms" },
    ],
  });
}

const lastSecond = [19, 20, 21, 22, 23];

describe.each(["redis-list", "redis-reliable-list", "redis-streams"])("%s persistence", (profile) => {
  it.each(["everysec", "no"])(
    "loses nothing on a process crash with appendfsync %s: the AOF tail is in the page cache",
    (fsync) => {
      const { result } = backlogCrash(profile, { appendonly: "yes", appendfsync: fsync }, "process");
      expect(result.counts).toMatchObject({ accepted: 27, rejected: 2, lost: 0, dropped: 0, consumed: 27 });
    },
  );

  it("loses the writes since the last RDB snapshot on a process crash too", () => {
    const { log } = backlogCrash(profile, { save: "1 1" }, "process");
    expect(messagesIn(log.matching("broker-crash"), "dropped")).toEqual(lastSecond);
  });

  it("keeps a pop made after the last fsync on a process crash: no duplicate", () => {
    const { result } = popThenCrash(profile, { appendonly: "yes", appendfsync: "everysec" }, "process");
    expect(result.counts).toMatchObject({ consumed: 1, duplicated: 0, lost: 0 });
  });

  it("loses at most the last second of writes with appendfsync everysec on a host crash", () => {
    const { result, log } = backlogCrash(profile, { appendonly: "yes", appendfsync: "everysec" });
    // The fsync at 2 s covers writes before it; m19..m23 (2.0..2.4 s) were written after.
    expect(messagesIn(log.matching("broker-crash"), "dropped")).toEqual(lastSecond);
    expect(result.counts).toMatchObject({ accepted: 27, rejected: 2, lost: 5, consumed: 22, duplicated: 0 });
  });

  it("loses nothing it acknowledged with appendfsync always", () => {
    const { result } = backlogCrash(profile, { appendonly: "yes", appendfsync: "always" });
    expect(result.counts).toMatchObject({ accepted: 27, lost: 0, dropped: 0, consumed: 27 });
    expect(evaluateChecks(result)[0]?.passed).toBe(true);
  });

  it("loses the writes since the last RDB snapshot", () => {
    // "1 1": a snapshot at the first serverCron tick a second after the last one, if anything changed.
    const { log } = backlogCrash(profile, { save: "1 1" });
    expect(messagesIn(log.matching("broker-crash"), "dropped")).toEqual(lastSecond);
  });

  it("loses every write with the default save points when no snapshot was due yet", () => {
    // The first save point (60 s, 10000 changes) is far away: the restart loads an empty dataset.
    const { result } = backlogCrash(profile, {});
    expect(result.counts).toMatchObject({ accepted: 27, lost: 24, dropped: 24, consumed: 3 });
  });

  it("loses everything queued without persistence", () => {
    const { result } = backlogCrash(profile, { save: "" });
    expect(result.counts).toMatchObject({ lost: 24, dropped: 24 });
  });

  it("undoes a pop (and its ack) made after the last fsync: the message comes back, a duplicate", () => {
    const { result, log } = popThenCrash(profile, { appendonly: "yes", appendfsync: "everysec" });
    expect(log.lines.filter((line) => line.includes(" consumed "))).toEqual([
      "t=1550000 consumed m0 g0 c0 x1",
      "t=2050000 consumed m0 g0 c0 x2",
    ]);
    expect(result.counts).toMatchObject({ duplicated: 1, lost: 0 });
  });

  it("keeps the pop when it was fsynced: no duplicate", () => {
    const { result } = popThenCrash(profile, { appendonly: "yes", appendfsync: "always" });
    expect(result.counts).toMatchObject({ consumed: 1, duplicated: 0, lost: 0 });
  });
});

describe("acks undone by a crash", () => {
  /** m0 is taken at 0.5 s (fsynced at 1 s) and acked at 1.5 s; the crash at 1.8 s undoes the ack only. */
  function ackThenCrash(profile: string, settings: Record<string, unknown>) {
    return run({
      duration: "2s",
      broker: redis(profile, { appendonly: "yes", ...settings }),
      producers: [{ name: "p", arrival: { process: "constant", rate: "2/s" }, limit: 1 }],
      consumers: [{ group: "g", instances: 2, processing: "1s" }],
      faults: [{ at: "1.8s", crash: "broker", mode: "host", restartAfter: "200ms" }],
    });
  }

  it("puts an item back in the processing list when its LREM is undone; the reaper redelivers it", () => {
    const { result, log } = ackThenCrash("redis-reliable-list", { visibilityTimeout: "2s", reaperInterval: "100ms" });
    expect(log.lines).toContain("t=2500000 delivered m0 g0 c0 waited 2000000 attempt 2");
    expect(result.counts).toMatchObject({ duplicated: 1, lost: 0, pending: 0 });
  });

  it("makes an entry pending again when its XACK is undone; a claim redelivers it", () => {
    const { result, log } = ackThenCrash("redis-streams", { claimInterval: "100ms", "min-idle-time": "2s" });
    expect(log.lines.filter((line) => line.includes(" delivered "))).toEqual([
      "t=500000 delivered m0 g0 c0 waited 0",
      "t=2500000 delivered m0 g0 c1 waited 2000000 attempt 2",
    ]);
    expect(result.counts).toMatchObject({ duplicated: 1, lost: 0, pending: 0 });
  });

  it("leaves that entry pending for good without a claim, though it was consumed", () => {
    const { result } = ackThenCrash("redis-streams", {});
    expect(result.counts).toMatchObject({ consumed: 1, duplicated: 0, lost: 0 });
    expect(result.drained).toBe(true);
  });
});

describe("appendfsync no", () => {
  it("leaves flushing to the OS: a crash before the first 30 s flush loses every write", () => {
    const { result } = backlogCrash("redis-list", { appendonly: "yes", appendfsync: "no" });
    expect(result.counts).toMatchObject({ lost: 24, dropped: 24 });
  });
});
