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

  it.each(["kafka", "rabbitmq", "fifo"])(
    "%s: refused, naming the profiles that have it and the alternatives",
    (profile) => {
      expect(issues(profile, "{via: broker, backoff: {type: fixed, delay: 1s}}")).toEqual([
        `${FILE}:12:18  consumers[0].retry.via: the ${profile} profile does not model a broker-delayed retry (group "billing"; profiles that do: sqs, sqs-fifo): use via: consumer (an in-process retry with backoff) or onExhausted: nack (the broker's immediate redelivery)`,
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
