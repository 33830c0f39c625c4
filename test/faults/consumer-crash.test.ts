// Proves consumer crashes at each point of the cycle have exactly the documented effect, for each idempotency strategy.
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/**
 * One consumer, one message every 100 ms taking 50 ms. The crash is armed at
 * 1.01 s; message 9 (published at 1.0 s) is the first to reach any point after
 * that. The consumer restarts at crash + 1 s; the broker notices at crash + 2 s
 * and puts what the consumer held back at the front of the queue.
 */
function crashRun(point: string, idempotency: Record<string, unknown> = { strategy: "none" }) {
  const log = new EventLog();
  const result = simulate(
    parsed(
      scenarioInput({
        duration: "4s",
        broker: { profile: "fifo", settings: { crashDetection: "2s" } },
        producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" } }],
        consumers: [{ group: "g", processing: "50ms", idempotency }],
        faults: [{ at: "1010ms", crash: "consumer", target: "g/1", restartAfter: "1s", point }],
        // Stating an expectation turns on the witness that records counter-examples.
        expect: { sideEffects: "exactly-once" },
      }),
    ),
    { observers: [log] },
  );
  const about = (message: number) => log.lines.filter((line) => new RegExp(`\\bm${message}\\b`).test(line));
  return { result, log, m9: about(9), m10: about(10) };
}

describe("consumer crash points", () => {
  it("after-side-effect without idempotency: the effect is applied twice", () => {
    const { result, m9 } = crashRun("after-side-effect");
    expect(result.counts).toMatchObject({
      lost: 0,
      duplicated: 1,
      sideEffectsRepeated: 1,
      redeliveries: 1,
      pending: 0,
    });
    expect(m9).toEqual([
      "t=1000000 published m9",
      "t=1000000 accepted m9",
      "t=1000000 delivered m9 g0 c0 waited 0",
      "t=1050000 effect m9 g0 c0 x1",
      "t=1050000 consumed m9 g0 c0 x1",
      "t=3050000 delivered m9 g0 c0 waited 2050000 attempt 2",
      "t=3100000 effect m9 g0 c0 x2",
      "t=3100000 consumed m9 g0 c0 x2",
    ]);
    expect(result.faults[0]).toMatchObject({ kind: "consumer-crash", target: "g/1", start: 1_050_000, end: 2_050_000 });
  });

  it("after-receive: nothing was done, so the redelivery is the only consumption", () => {
    // Message 9 was received before the crash was armed; message 10, received at 1.1 s, is the victim.
    const { result, m10 } = crashRun("after-receive");
    expect(result.counts).toMatchObject({ lost: 0, duplicated: 0, sideEffectsRepeated: 0, redeliveries: 1 });
    expect(m10.filter((line) => line.includes("consumed") || line.includes("delivered"))).toEqual([
      "t=1100000 delivered m10 g0 c0 waited 0",
      "t=3100000 delivered m10 g0 c0 waited 2000000 attempt 2",
      "t=3150000 consumed m10 g0 c0 x1",
    ]);
  });

  it("dedup-store with a crash between the effect and recording the id still repeats the effect", () => {
    const { result } = crashRun("after-side-effect", { strategy: "dedup-store" });
    expect(result.counts).toMatchObject({ duplicated: 1, sideEffectsRepeated: 1 });
    expect(result.examples.repeatedSideEffect?.message).toBe(9);
  });

  it("dedup-store with a crash after recording the id skips the effect on redelivery", () => {
    const { result, m9 } = crashRun("after-dedup-record", { strategy: "dedup-store" });
    expect(result.counts).toMatchObject({ duplicated: 1, sideEffectsRepeated: 0 });
    // The redelivery is acknowledged at once, without processing time and without an effect.
    expect(m9.slice(-2)).toEqual([
      "t=3050000 delivered m9 g0 c0 waited 2050000 attempt 2",
      "t=3050000 consumed m9 g0 c0 x2",
    ]);
  });

  it("dedup-store forgets ids after its ttl, so a late redelivery repeats the effect", () => {
    const { result } = crashRun("after-dedup-record", { strategy: "dedup-store", ttl: "1s" });
    expect(result.counts).toMatchObject({ duplicated: 1, sideEffectsRepeated: 1 });
  });

  it("transactional records the id with the effect: no window", () => {
    const { result } = crashRun("after-side-effect", { strategy: "transactional" });
    expect(result.counts).toMatchObject({ duplicated: 1, sideEffectsRepeated: 0 });
  });

  it("natural idempotence applies the effect again without it counting as repeated", () => {
    const { result, m9 } = crashRun("before-ack", { strategy: "natural" });
    expect(result.counts).toMatchObject({ duplicated: 1, sideEffectsRepeated: 0 });
    expect(m9.filter((line) => line.includes("effect"))).toHaveLength(2);
  });

  it("a crash 'now' while idle abandons nothing, but what the broker sends before it notices waits for detection", () => {
    const log = new EventLog();
    const result = simulate(
      parsed(
        scenarioInput({
          duration: "4s",
          producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" } }],
          consumers: [{ group: "g", processing: "50ms" }],
          faults: [{ at: "1070ms", crash: "consumer", target: "g", restartAfter: "500ms" }],
        }),
      ),
      { observers: [log] },
    );
    expect(result.faults[0]?.effects).toEqual({ deliveriesHeld: 0 });
    expect(result.counts).toMatchObject({ lost: 0, duplicated: 0, redeliveries: 1, pending: 0 });
    // Message 10 goes to the dead consumer (the broker has not noticed) and returns when it does, 10 s after
    // the crash; message 11 waits for the restart at 1.57 s.
    expect(log.lines.filter((line) => /delivered m1[01] /.test(line))).toEqual([
      "t=1100000 delivered m10 g0 c0 waited 0",
      "t=1570000 delivered m11 g0 c0 waited 370000",
      "t=11070000 delivered m10 g0 c0 waited 9970000 attempt 2",
    ]);
  });
});
