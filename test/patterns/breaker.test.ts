// Proves the circuit breaker's state machine: it opens on exactly the N-th failure (consecutive or by failure rate over its window), refuses calls while open, lets probes through half-open, and closes or reopens on their outcome.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { type BreakerSpec, CircuitBreaker } from "../../src/patterns/breaker.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const spec = (overrides: Partial<BreakerSpec>): BreakerSpec => ({
  window: { type: "count", size: 10 },
  failureRate: null,
  minimumCalls: 1,
  consecutiveFailures: 3,
  openFor: 1_000_000,
  halfOpenCalls: 2,
  whileOpen: "fail-fast",
  scope: "group",
  ...overrides,
});

/** Lets a call through and records its outcome; returns the state after. */
function call(breaker: CircuitBreaker, now: number, failed: boolean): string {
  if (!breaker.permits(now)) return "refused";
  breaker.record(now, failed);
  return breaker.state;
}

describe("circuit breaker", () => {
  it.each([1, 3, 7])("with %i consecutive failures as threshold, opens on exactly the N-th failure", (n) => {
    const breaker = new CircuitBreaker("b", spec({ consecutiveFailures: n }));
    // A success in between starts the count again.
    for (let i = 0; i < n - 1; i++) expect(call(breaker, i, true)).toBe("closed");
    expect(call(breaker, 100, false)).toBe("closed");
    for (let i = 0; i < n - 1; i++) expect(call(breaker, 200 + i, true)).toBe("closed");
    expect(call(breaker, 300, true)).toBe("open");
    expect(breaker.figures.opened).toBe(1);
  });

  it("with a failure rate over a count window, opens on the failure that brings the share to the threshold, once minimumCalls are in", () => {
    const breaker = new CircuitBreaker(
      "b",
      spec({ consecutiveFailures: null, failureRate: 0.5, minimumCalls: 4, window: { type: "count", size: 4 } }),
    );
    // F F: 100% failed, but fewer than minimumCalls.
    expect(call(breaker, 1, true)).toBe("closed");
    expect(call(breaker, 2, true)).toBe("closed");
    expect(call(breaker, 3, false)).toBe("closed");
    // F F S F: 3 of 4 failed.
    expect(call(breaker, 4, true)).toBe("open");
  });

  it("forgets calls that slid out of a count window", () => {
    const breaker = new CircuitBreaker(
      "b",
      spec({ consecutiveFailures: null, failureRate: 0.5, minimumCalls: 4, window: { type: "count", size: 4 } }),
    );
    const outcomes = [true, false, false, false, false, true];
    // Window at the last call: S S S F (the first F slid out), 25% failed.
    for (const [i, failed] of outcomes.entries()) expect(call(breaker, i, failed)).toBe("closed");
    expect(call(breaker, 10, true)).toBe("open");
  });

  it("forgets calls older than a time window", () => {
    const breaker = new CircuitBreaker(
      "b",
      spec({ consecutiveFailures: null, failureRate: 0.6, minimumCalls: 2, window: { type: "time", length: 1_000 } }),
    );
    expect(call(breaker, 0, true)).toBe("closed");
    expect(call(breaker, 500, false)).toBe("closed");
    expect(call(breaker, 1_200, false)).toBe("closed");
    // At 1,600 the calls at 0 and 500 are out: S F, 50%.
    expect(call(breaker, 1_600, true)).toBe("closed");
    // S F F: 67%.
    expect(call(breaker, 1_700, true)).toBe("open");
  });

  it("refuses calls while open, then lets halfOpenCalls probes through and closes when they succeed", () => {
    const breaker = new CircuitBreaker("b", spec({ consecutiveFailures: 1, halfOpenCalls: 2, openFor: 1_000 }));
    expect(call(breaker, 0, true)).toBe("open");
    expect(call(breaker, 999, false)).toBe("refused");
    expect(breaker.permits(1_000)).toBe(true);
    expect(breaker.state).toBe("half-open");
    expect(breaker.permits(1_001)).toBe(true);
    // Both probes are out: a third call is refused.
    expect(breaker.permits(1_002)).toBe(false);
    breaker.record(1_010, false);
    expect(breaker.state).toBe("half-open");
    breaker.record(1_020, false);
    expect(breaker.state).toBe("closed");
    expect(breaker.figures.callsRefused).toBe(2);
    expect(breaker.finish(2_000).openMicros).toBe(1_020);
    expect(breaker.figures.transitions.map((t) => t.state)).toEqual(["open", "half-open", "closed"]);
  });

  it("reopens when a probe fails, for another openFor", () => {
    const breaker = new CircuitBreaker("b", spec({ consecutiveFailures: 1, openFor: 1_000 }));
    call(breaker, 0, true);
    expect(call(breaker, 1_500, true)).toBe("open");
    expect(call(breaker, 2_400, false)).toBe("refused");
    expect(call(breaker, 2_500, false)).toBe("half-open");
    expect(breaker.figures.opened).toBe(2);
  });
});

describe("breakers in a run", () => {
  const run = (scope: string) =>
    runScenario(
      parsed(
        scenarioInput({
          producers: [{ name: "orders", rate: "200/s" }],
          dependencies: { payments: { latency: "1ms" } },
          faults: [{ at: "2s", for: "3s", outage: { dependency: "payments" } }],
          consumers: [
            {
              group: "billing",
              instances: 2,
              steps: [{ call: "payments" }],
              retry: { maxAttempts: 2, onExhausted: "dead-letter" },
              breakers: { payments: { consecutiveFailures: 5, openFor: "1s", halfOpenCalls: 1, scope } },
            },
          ],
          expect: {
            breakers: { [scope === "group" ? "billing/payments" : "billing/2/payments"]: { opened: { min: 1 } } },
          },
        }),
      ),
    ).summary;

  it("keeps one breaker for the group by default, and one per instance with scope: instance", () => {
    expect(Object.keys(run("group").breakers!)).toEqual(["billing/payments"]);
    const perInstance = run("instance");
    expect(Object.keys(perInstance.breakers!)).toEqual(["billing/1/payments", "billing/2/payments"]);
    // Each instance's breaker sees only its own calls, and opens on its own.
    for (const breaker of Object.values(perInstance.breakers!)) expect(breaker.opened).toBeGreaterThan(0);
    expect(perInstance.passed).toBe(true);
  });
});

describe("an open breaker in front of a broker that redelivers at once", () => {
  // Found by the swarm (seed 1771): fail-fast with no retry policy nacks the refused message, RabbitMQ at zero
  // latency redelivers it inside the nack, and the refusal used to fail at the same instant, recursing until
  // the stack overflowed. A refusal now takes one microsecond: the storm is real, and it costs time.
  it("is a requeue storm that advances the clock, not a stack overflow", () => {
    const run = runScenario(
      parsed(
        scenarioInput({
          duration: "50ms",
          drainTimeout: "100ms",
          broker: { profile: "rabbitmq" },
          network: { latency: 0 },
          producers: [{ name: "p", rate: "200/s" }],
          dependencies: { d1: { latency: "100us", errors: { transient: 1 } } },
          consumers: [
            {
              group: "g",
              steps: [{ call: "d1" }],
              breakers: { d1: { consecutiveFailures: 1, openFor: "1s" } },
            },
          ],
        }),
      ),
    );
    const breaker = run.summary.breakers!["g/d1"]!;
    expect(breaker.opened).toBe(1);
    // Each refusal is one microsecond of the 150 ms run: at most one per microsecond after the breaker opened.
    expect(breaker.callsRefused).toBeGreaterThan(1000);
    expect(breaker.callsRefused).toBeLessThanOrEqual(150_000);
    expect(run.summary.messages.redeliveries).toBeGreaterThanOrEqual(breaker.callsRefused - 1);
    expect(run.summary.simulated.seconds).toBeGreaterThanOrEqual(0.15);
  });
});
