// Proves a retry via the broker (SQS ChangeMessageVisibility to the backoff delay): exact redelivery times, the receive count as the attempt number, the redrive policy or maxAttempts ending it, the figures, determinism, and the refusals on profiles without the mechanism.
import { describe, expect, it } from "vitest";
import { runScenario, simulate } from "../../src/index.js";
import { formatIssue } from "../../src/scenario/issues.js";
import { parseScenarioText } from "../../src/scenario/load.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, scenarioInput } from "../helpers/scenario.js";

/** One order (published at 1.177 ms) whose every payment fails with a transient error, retried via the broker. */
function failingOrder(retry: Record<string, unknown>, settings: Record<string, unknown> = {}, profile = "sqs") {
  return parsed(
    scenarioInput({
      duration: "1s",
      drainTimeout: "60s",
      broker: { profile, settings },
      producers: [{ name: "orders", rate: "100/s", limit: 1 }],
      dependencies: { payments: { latency: 0, errors: { transient: 1 } } },
      consumers: [{ group: "billing", steps: [{ call: "payments" }], retry: { via: "broker", ...retry } }],
    }),
  );
}

const exponential = { type: "exponential", base: "1s", multiplier: 2, cap: "30s", jitter: "none" };

function deliveriesAndEnd(scenario: ReturnType<typeof failingOrder>): string[] {
  const log = new EventLog();
  simulate(scenario, { observers: [log] });
  return log.lines.filter((line) => / (delivered|dead-lettered|dropped) /.test(line));
}

describe("a retry via the broker on SQS", () => {
  it("makes the message visible again after each backoff delay; the redrive policy dead-letters it on the 5th receive", () => {
    const scenario = failingOrder(
      { maxAttempts: null, backoff: exponential },
      { RedrivePolicy: { maxReceiveCount: 4 } },
    );
    // The first receive at 20 ms (the receive round trip); then 1 s, 2 s and 4 s of invisibility, each
    // followed by the next long poll's 20 ms round trip; the 5th receive (at 8 s more) moves it to the DLQ.
    expect(deliveriesAndEnd(scenario)).toEqual([
      "t=20000 delivered m0 g0 c0 waited 18823",
      "t=1040000 delivered m0 g0 c0 waited 1038823 attempt 2",
      "t=3040000 delivered m0 g0 c0 waited 3038823 attempt 3",
      "t=7040000 delivered m0 g0 c0 waited 7038823 attempt 4",
      "t=15040000 dead-lettered m0 g0 maxReceiveCount",
    ]);
    const summary = runScenario(scenario).summary;
    expect(summary.retries!.billing).toMatchObject({ retries: 4, viaBroker: 4, backoffMs: 15000, gaveUp: 0 });
    expect([summary.messages.deadLettered, summary.messages.pending, summary.messages.lost]).toEqual([1, 0, 0]);
  });

  it("counts the receive count as the attempt: maxAttempts 3 gives up on the 3rd receive with onExhausted", () => {
    const scenario = failingOrder({ maxAttempts: 3, backoff: exponential, onExhausted: "dead-letter" });
    expect(deliveriesAndEnd(scenario)).toEqual([
      "t=20000 delivered m0 g0 c0 waited 18823",
      "t=1040000 delivered m0 g0 c0 waited 1038823 attempt 2",
      "t=3040000 delivered m0 g0 c0 waited 3038823 attempt 3",
      "t=3040000 dead-lettered m0 g0 transient after 3 attempts",
    ]);
    const retries = runScenario(scenario).summary.retries!.billing!;
    expect(retries).toMatchObject({ retries: 2, viaBroker: 2, gaveUp: 1, deadLettered: 1, attempts: { "3": 1 } });
  });

  it("rounds a delay up to whole seconds, as ChangeMessageVisibility takes them", () => {
    const scenario = failingOrder({ maxAttempts: 2, backoff: { type: "fixed", delay: "250ms" }, onExhausted: "drop" });
    expect(deliveriesAndEnd(scenario)).toEqual([
      "t=20000 delivered m0 g0 c0 waited 18823",
      "t=1040000 delivered m0 g0 c0 waited 1038823 attempt 2",
      "t=1040000 dropped m0 g0 transient after 2 attempts",
    ]);
  });

  it("works on sqs-fifo too", () => {
    const scenario = failingOrder({ maxAttempts: 2, backoff: exponential, onExhausted: "drop" }, {}, "sqs-fifo");
    expect(deliveriesAndEnd(scenario).map((line) => line.split(" ")[0])).toEqual(["t=20000", "t=1040000", "t=1040000"]);
  });

  it("is deterministic with full jitter and leaves the in-process figures unchanged when undeclared", () => {
    const input = (via: string | undefined) =>
      parsed(
        scenarioInput({
          duration: "20s",
          drainTimeout: "120s",
          broker: { profile: "sqs", settings: { RedrivePolicy: { maxReceiveCount: 5 } } },
          producers: [{ name: "orders", rate: "50/s" }],
          dependencies: { payments: { latency: "5ms", errors: { transient: 0.5 } } },
          consumers: [
            {
              group: "billing",
              steps: [{ call: "payments" }],
              retry: { maxAttempts: 5, backoff: { ...exponential, jitter: "full" }, ...(via ? { via } : {}) },
            },
          ],
        }),
      );
    const first = JSON.stringify(runScenario(input("broker")).summary);
    expect(JSON.stringify(runScenario(input("broker")).summary)).toBe(first);
    const broker = runScenario(input("broker")).summary;
    expect(broker.retries!.billing!.viaBroker).toBe(broker.retries!.billing!.retries);
    expect(broker.retries!.billing!.viaBroker).toBeGreaterThan(0);
    // Undeclared (or via: consumer), the summary has no viaBroker figure and the run is today's.
    const consumer = JSON.stringify(runScenario(input("consumer")).summary);
    expect(JSON.stringify(runScenario(input(undefined)).summary)).toBe(consumer);
    expect(consumer).not.toContain("viaBroker");
  });
});

describe("validation of via: broker", () => {
  const FILE = "retry.yaml";
  function issues(profile: string, retry: string): string[] {
    const text = [
      "name: retry",
      "duration: 10s",
      `broker: {profile: ${profile}}`,
      "producers:",
      "  - name: orders",
      "    rate: 100/s",
      "dependencies:",
      "  payments: {latency: 20ms}",
      "consumers:",
      "  - group: billing",
      "    steps: [{call: payments}]",
      `    retry: ${retry}`,
      "",
    ].join("\n");
    const result = parseScenarioText(text, FILE);
    return result.ok ? [] : result.issues.map((issue) => formatIssue(issue, FILE));
  }

  it.each(["fifo", "redis-streams", "bullmq"])(
    "%s: refused, naming the profiles that have it and the alternatives",
    (profile) => {
      expect(issues(profile, "{via: broker, backoff: {type: fixed, delay: 1s}}")).toEqual([
        `${FILE}:12:18  consumers[0].retry.via: the ${profile} profile does not model a broker-delayed retry (group "billing"; profiles that do: rabbitmq, rabbitmq-quorum, sqs, sqs-fifo, kafka): use via: consumer (an in-process retry with backoff) or onExhausted: nack (the broker's immediate redelivery)`,
      ]);
    },
  );

  it("refuses scope: call and decorrelated jitter, and suggests the value meant for a misspelt via", () => {
    expect(issues("sqs", "{via: broker, scope: call}")).toEqual([
      `${FILE}:12:33  consumers[0].retry.scope: a retry via the broker delivers the message again and runs every step (group "billing"): scope must be handler, found call`,
    ]);
    const decorrelated = "{via: broker, backoff: {type: exponential, base: 1s, jitter: decorrelated}}";
    expect(issues("sqs", decorrelated)[0]).toContain("consumers[0].retry.backoff.jitter: decorrelated jitter");
    expect(issues("sqs", "{via: brokr}").join("\n")).toContain('did you mean "broker"?');
  });
});

/** Three orders of one key on one partition (published at 29, 357 and 838 ms); payments fails every call for `failFor` from the start. */
function kafkaOrders(retry: Record<string, unknown>, failFor: string | null = "100ms") {
  return parsed(
    scenarioInput({
      duration: "1s",
      drainTimeout: "60s",
      broker: { profile: "kafka", partitions: 1, settings: { "group.initial.rebalance.delay.ms": 0 } },
      producers: [{ name: "orders", rate: "4/s", limit: 3, keys: { count: 1 } }],
      // failFor null: every call fails, for the whole run.
      dependencies: { payments: { latency: 0, errors: { transient: failFor === null ? 1 : 0 } } },
      faults: failFor === null ? [] : [{ at: 0, for: failFor, errorBurst: { dependency: "payments", rate: 1 } }],
      consumers: [{ group: "billing", steps: [{ call: "payments" }], retry: { maxAttempts: 3, ...retry } }],
      expect: { ordering: "per-key" },
    }),
  );
}

function consumptions(scenario: ReturnType<typeof kafkaOrders>): string[] {
  const log = new EventLog();
  simulate(scenario, { observers: [log] });
  return log.lines.filter((line) => / (delivered|consumed|dead-lettered) /.test(line));
}

describe("a retry via the broker on Kafka: a retry topic (Spring Kafka's @RetryableTopic)", () => {
  const backoff = { type: "exponential", base: "1s", multiplier: 2, cap: "30s" };

  it("publishes the failed record to the retry topic and moves on: the key's next record overtakes it", () => {
    const scenario = kafkaOrders({ via: "broker", backoff });
    expect(consumptions(scenario)).toEqual([
      "t=34428 delivered m0 g0 c0 waited 0",
      "t=361875 delivered m1 g0 c0 waited 0",
      "t=361875 consumed m1 g0 c0 x1",
      "t=842967 delivered m2 g0 c0 waited 0",
      "t=842967 consumed m2 g0 c0 x1",
      // The retry topic's reader holds m0 until its 1 s delay ends.
      "t=1034428 delivered m0 g0 c0 waited 1000000 attempt 2",
      "t=1034428 consumed m0 g0 c0 x1",
    ]);
    const summary = runScenario(scenario).summary;
    expect(summary.messages).toMatchObject({ consumed: 3, outOfOrder: 1, lost: 0, duplicated: 0, pending: 0 });
    expect(summary.retries!.billing).toMatchObject({ retries: 1, viaBroker: 1 });
  });

  it("blocking (in-process) keeps the key in order: the partition waits while the consumer backs off", () => {
    const scenario = kafkaOrders({ backoff });
    const summary = runScenario(scenario).summary;
    expect(summary.messages).toMatchObject({ consumed: 3, outOfOrder: 0, lost: 0 });
    expect(consumptions(scenario).filter((line) => line.includes("consumed"))).toEqual([
      "t=1034428 consumed m0 g0 c0 x1",
      "t=1034428 consumed m1 g0 c0 x1",
      "t=1034428 consumed m2 g0 c0 x1",
    ]);
  });

  it("reads each level's topic after its delay and dead-letters after maxAttempts, with nothing left pending", () => {
    const scenario = kafkaOrders({ via: "broker", backoff, onExhausted: "dead-letter" }, null);
    expect(consumptions(scenario).filter((line) => line.includes("m0"))).toEqual([
      "t=34428 delivered m0 g0 c0 waited 0",
      "t=1034428 delivered m0 g0 c0 waited 1000000 attempt 2",
      "t=3034428 delivered m0 g0 c0 waited 3000000 attempt 3",
      "t=3034428 dead-lettered m0 g0 transient after 3 attempts",
    ]);
    expect(runScenario(scenario).summary.messages).toMatchObject({ deadLettered: 3, pending: 0, lost: 0 });
  });

  it("a crash after the hand-back and before auto-commit's next commit processes the original again", () => {
    const scenario = parsed(
      scenarioInput({
        duration: "2s",
        drainTimeout: "120s",
        broker: { profile: "kafka", partitions: 1, settings: { "group.initial.rebalance.delay.ms": 0 } },
        producers: [{ name: "orders", rate: "4/s", limit: 3, keys: { count: 1 } }],
        dependencies: { payments: { latency: 0 } },
        faults: [
          { at: 0, for: "100ms", errorBurst: { dependency: "payments", rate: 1 } },
          { at: "1.5s", crash: "consumer", target: "billing/1" },
        ],
        consumers: [
          {
            group: "billing",
            instances: 2,
            steps: [{ call: "payments", sideEffect: true }],
            retry: { via: "broker", maxAttempts: 3, backoff },
          },
        ],
      }),
    );
    const log = new EventLog();
    simulate(scenario, { observers: [log] });
    // m0 went through the retry topic at 1.03 s; the crash at 1.5 s came before the first auto-commit (5 s),
    // so after the session timeout the partition is read again from offset 0: m0's original is processed too.
    expect(log.lines.filter((line) => / effect m0 /.test(line))).toEqual([
      "t=1034428 effect m0 g0 c0 x1",
      "t=45000000 effect m0 g0 c0 x2",
    ]);
    expect(runScenario(scenario).summary.messages).toMatchObject({ duplicated: 3, sideEffectsRepeated: 3, lost: 0 });
  });

  it("is deterministic: the same scenario and seed give the same summary bytes", () => {
    const scenario = kafkaOrders({ via: "broker", backoff: { ...backoff, jitter: "full" } }, "800ms");
    expect(JSON.stringify(runScenario(scenario).summary)).toBe(JSON.stringify(runScenario(scenario).summary));
  });
});

describe("a retry via the broker on RabbitMQ: retry queues with a dead-letter exchange back to the work queue", () => {
  it.each(["rabbitmq", "rabbitmq-quorum"])(
    "%s: each copy comes back after its level's delay, then the policy dead-letters",
    (profile) => {
      const scenario = parsed(
        scenarioInput({
          duration: "1s",
          drainTimeout: "60s",
          broker: { profile },
          producers: [{ name: "orders", rate: "4/s", limit: 1 }],
          dependencies: { payments: { latency: 0, errors: { transient: 1 } } },
          consumers: [
            {
              group: "billing",
              steps: [{ call: "payments" }],
              retry: { via: "broker", maxAttempts: 3, backoff: { ...exponential, jitter: "none" } },
            },
          ],
        }),
      );
      const lines = deliveriesAndEnd(scenario as ReturnType<typeof failingOrder>);
      const published = Number(lines[0]!.split(" ")[0]!.slice(2));
      expect(lines.map((line) => line.replace(/^t=(\d+)/, (_, t) => `+${Number(t) - published}`))).toEqual([
        "+0 delivered m0 g0 c0 waited 0",
        "+1000000 delivered m0 g0 c0 waited 1000000 attempt 2",
        "+3000000 delivered m0 g0 c0 waited 3000000 attempt 3",
        "+3000000 dead-lettered m0 g0 transient after 3 attempts",
      ]);
      const summary = runScenario(scenario).summary;
      expect(summary.retries!.billing).toMatchObject({ retries: 2, viaBroker: 2, deadLettered: 1 });
      expect(summary.messages).toMatchObject({ deadLettered: 1, pending: 0, lost: 0 });
    },
  );
});
