// Proves the retry policy and dependencies against closed forms: p^k of messages dead-lettered, the exact attempt schedule, amplification 1 + p + ... + p^(k-1), and the double charges an unknown outcome causes with and without an idempotency key.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { buildWorld } from "../../src/run/build.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

const Z99 = 2.5758; // two-sided 99%

function payments(dependency: Record<string, unknown>, consumer: Record<string, unknown>, extra = {}) {
  return scenarioInput({
    producers: [{ name: "orders", rate: "1000/s" }],
    dependencies: { payments: { latency: "1ms", ...dependency } },
    consumers: [{ group: "billing", instances: 4, steps: [{ call: "payments", sideEffect: true }], ...consumer }],
    ...extra,
  });
}

describe("in-process retries against a dependency that fails transiently with probability p", () => {
  const p = 0.5;
  const k = 3;
  const summary = runScenario(
    parsed(payments({ errors: { transient: p } }, { retry: { maxAttempts: k, onExhausted: "dead-letter" } })),
  ).summary;
  const n = summary.retries!.billing!.processed;

  it("dead-letters a share p^k of the messages, within the binomial 99% interval", () => {
    expect(n).toBe(summary.messages.published);
    expect(n).toBeGreaterThan(9000);
    const share = summary.messages.deadLettered / n;
    const expected = p ** k;
    expect(Math.abs(share - expected)).toBeLessThan(Z99 * Math.sqrt((expected * (1 - expected)) / n));
    expect(summary.retries!.billing!.deadLettered).toBe(summary.messages.deadLettered);
    expect(summary.messages.consumed + summary.messages.deadLettered).toBe(n);
  });

  it("takes j attempts with probability p^(j-1)(1-p), and k with p^(k-1)", () => {
    const attempts = summary.retries!.billing!.attempts;
    const expected = [1 - p, p * (1 - p), p ** (k - 1)];
    expected.forEach((probability, i) => {
      const observed = (attempts[String(i + 1)] ?? 0) / n;
      expect(Math.abs(observed - probability)).toBeLessThan(Z99 * Math.sqrt((probability * (1 - probability)) / n));
    });
  });

  it("judges expect bounds on these figures, a percentage being a share of the published messages", () => {
    const bounded = runScenario(
      parsed(
        payments(
          { errors: { transient: p } },
          { retry: { maxAttempts: k, onExhausted: "dead-letter" } },
          {
            expect: {
              dependencies: { payments: { amplification: { min: 1.7, max: 1.8 } } },
              retries: { billing: { deadLettered: { max: "10%" } } },
            },
          },
        ),
      ),
    ).summary;
    expect(bounded.checks.map((c) => [c.name, c.passed])).toEqual([
      ["dependencies.payments.amplification", true],
      ["retries.billing.deadLettered", false],
    ]);
    expect(bounded.checks[1]!.expected).toBe(
      `<= 10% of ${bounded.messages.published} published (${bounded.messages.published / 10})`,
    );
  });

  it("amplifies calls by 1 + p + p^2 = 1.75 per message", () => {
    const { calls, amplification } = summary.dependencies!.payments!;
    expect(calls).toBe(summary.retries!.billing!.retries + n);
    // Attempts per message are at most k: the standard deviation of their mean is below sqrt(var/n) with var < 1.
    expect(Math.abs(amplification - (1 + p + p * p))).toBeLessThan(Z99 * Math.sqrt(0.7 / n));
  });
});

describe("the attempt schedule", () => {
  it("calls again after base, 2 base, 4 base with exponential backoff and jitter off, then dead-letters", () => {
    const scenario = parsed(
      payments(
        { latency: 0, errors: { transient: 1 } },
        {
          instances: 1,
          retry: {
            maxAttempts: 5,
            backoff: { type: "exponential", base: "100ms", jitter: "none" },
            onExhausted: "dead-letter",
          },
        },
        { producers: [{ name: "orders", rate: "1000/s", limit: 1 }] },
      ),
    );
    const world = buildWorld(scenario);
    const dependency = world.patterns.dependencies[0]!;
    const callTimes: number[] = [];
    const call = dependency.call.bind(dependency);
    dependency.call = (caller, ticket, request) => {
      callTimes.push(world.sim.now);
      call(caller, ticket, request);
    };
    for (const producer of world.producers) producer.start();
    world.sim.run({ untilTime: 60_000_000, maxEvents: 1_000_000 });
    const first = callTimes[0]!;
    expect(callTimes.map((t) => t - first)).toEqual([0, 100_000, 300_000, 700_000, 1_500_000]);
    expect(world.patterns.retryFigures[0]!.deadLettered).toBe(1);
  });

  it("gives up at once on a permanent error, which is not retried by default", () => {
    const summary = runScenario(parsed(payments({ errors: { permanent: 1 } }, { retry: { maxAttempts: 5 } }))).summary;
    const retries = summary.retries!.billing!;
    expect(retries.retries).toBe(0);
    expect(retries.gaveUp).toBe(retries.processed);
    expect(retries.attempts).toEqual({ "1": retries.processed });
  });

  it("repeats earlier calls with handler scope and only the failed call with call scope", () => {
    const run = (scope: string) =>
      runScenario(
        parsed(
          scenarioInput({
            producers: [{ name: "orders", rate: "200/s" }],
            dependencies: { stock: { latency: "1ms" }, payments: { latency: "1ms", errors: { transient: 0.5 } } },
            consumers: [
              {
                group: "billing",
                instances: 4,
                steps: [{ call: "stock" }, { call: "payments", sideEffect: true }],
                retry: { maxAttempts: 4, scope },
              },
            ],
          }),
        ),
      ).summary;
    const handler = run("handler");
    const call = run("call");
    expect(handler.dependencies!.stock!.calls).toBe(handler.dependencies!.payments!.calls);
    expect(call.dependencies!.stock!.calls).toBe(call.retries!.billing!.processed);
    expect(call.dependencies!.payments!.calls).toBeGreaterThan(call.dependencies!.stock!.calls);
  });
});

describe("a call that times out after the service charged (unknown outcome)", () => {
  // The service takes 3 s; the client gives up after 1 s; the service finishes anyway and charges.
  const charging = (step: Record<string, unknown>, idempotency: Record<string, unknown> = { strategy: "none" }) =>
    runScenario(
      parsed(
        scenarioInput({
          producers: [{ name: "orders", rate: "10/s" }],
          dependencies: { payments: { latency: "3s", timeout: "1s" } },
          consumers: [
            {
              group: "billing",
              instances: 40,
              steps: [{ call: "payments", sideEffect: true, ...step }],
              retry: { maxAttempts: 3, onExhausted: "dead-letter" },
              idempotency,
            },
          ],
        }),
      ),
    ).summary;

  it("charges every attempt, k times per message, without an idempotency key", () => {
    const summary = charging({});
    const n = summary.messages.published;
    expect(summary.dependencies!.payments!.timeouts).toBe(3 * n);
    expect(summary.dependencies!.payments!.unknownOutcomes).toBe(3 * n);
    expect(summary.dependencies!.payments!.appliedAfterTimeout).toBe(3 * n);
    // Every message's charge was repeated (pairs), k times each in all.
    expect(summary.messages.sideEffectsRepeated).toBe(n);
    expect(summary.dependencies!.payments!.effectsApplied).toBe(3 * n);
    expect(summary.messages.deadLettered).toBe(n);
  });

  it("charges twice all the same with a dedup store: the consumer never saw the call succeed", () => {
    const summary = charging({}, { strategy: "dedup-store" });
    expect(summary.messages.sideEffectsRepeated).toBe(summary.messages.published);
    expect(summary.dependencies!.payments!.effectsApplied).toBe(3 * summary.messages.published);
  });

  it("charges once when the message id goes with the call as an idempotency key", () => {
    const summary = charging({ idempotencyKey: true });
    const n = summary.messages.published;
    expect(summary.messages.sideEffectsRepeated).toBe(0);
    expect(summary.dependencies!.payments!.effectsApplied).toBe(n);
    expect(summary.dependencies!.payments!.keyDeduplicated).toBe(2 * n);
  });
});
