// Proves that Redis still serves the blocked reads of a consumer whose connection went silent (frozen or cut off), while a killed consumer's closed socket drops them: one more message goes to the silent one's dead socket, processing list or PEL.
import { describe, expect, it } from "vitest";
import { every100ms, messagesIn, redis, run } from "./run.js";

/** One consumer, blocked in its read, fails at 50 ms and comes back at 1 s; m0..m4 come at 0.1..0.5 s. */
function failWhileBlocked(profile: string, mode: string, settings: Record<string, unknown> = {}) {
  return run({
    duration: "2s",
    broker: redis(profile, settings),
    producers: [every100ms({ limit: 5 })],
    consumers: [{ group: "g", processing: "1ms" }],
    faults: [{ at: "50ms", crash: "consumer", target: "g", mode, restartAfter: "950ms" }],
  });
}

describe("a silent consumer's blocked read", () => {
  it("redis-list: BRPOP still pops m0 into the frozen consumer's socket: lost; a killed one's is dropped", () => {
    const hang = failWhileBlocked("redis-list", "hang");
    expect(messagesIn(hang.log.lines, "consumed")).toEqual([1, 2, 3, 4]);
    expect(hang.result.counts).toMatchObject({ lost: 1, dropped: 0 });
    const killed = failWhileBlocked("redis-list", "process");
    expect(messagesIn(killed.log.lines, "consumed")).toEqual([0, 1, 2, 3, 4]);
  });

  it("redis-reliable-list: BLMOVE moves m0 into the silent consumer's processing list, for the reaper", () => {
    const { result, log } = failWhileBlocked("redis-reliable-list", "host", {
      visibilityTimeout: "1s",
      reaperInterval: "100ms",
    });
    // Moved at 0.1 s (never delivered), stale from 1.1 s: the reaper re-pushes it at 1.1 s and the
    // restarted consumer takes it.
    expect(log.lines).toContain("t=1100000 delivered m0 g0 c0 waited 1000000");
    expect(result.counts).toMatchObject({ consumed: 5, lost: 0, duplicated: 0 });
  });

  it("redis-streams: XREADGROUP gives m0 to the silent consumer's PEL, where a claim finds it", () => {
    const settings = { claimInterval: "100ms", "min-idle-time": "500ms" };
    const hang = failWhileBlocked("redis-streams", "hang", settings);
    // Pending for c0 since 0.1 s, never delivered; c0 itself, back at 1 s, claims it at the 1 s tick:
    // its first delivery, but the PEL's second (counter 2).
    expect(hang.log.lines).toContain("t=1000000 delivered m0 g0 c0 waited 900000");
    expect(hang.result.brokerFigures?.highest_delivery_count).toBe(2);
    expect(hang.result.counts).toMatchObject({ consumed: 5, lost: 0 });
    // A killed consumer's socket closes: m0 waits in the stream and is read fresh (counter 1) at 1 s.
    const killed = failWhileBlocked("redis-streams", "process", settings);
    expect(killed.result.brokerFigures?.highest_delivery_count).toBe(1);
  });
});
