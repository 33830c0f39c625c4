// Proves DLQ redrive: a scheduled move of a group's dead-letter queue back to its queue, oldest first, at most `max`, at `rate`; a moved message is redelivered under the same id with a fresh delivery limit (fifo deliveryLimit, SQS maxReceiveCount), counted as redriven and then consumed or dead-lettered again, and no longer dead-lettered at the end; idempotency decides whether its effect repeats; runs repeat byte for byte; a redrive is refused, in the house format, where the profile has none.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { EventLog } from "../helpers/event-log.js";
import { parsed, refusedLines, scenarioInput } from "../helpers/scenario.js";

/** Ten messages at 100 ms intervals from 100 ms, every one failing its one call permanently: all dead-lettered by the policy. */
function failingOrders(consumer: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return parsed(
    scenarioInput({
      duration: "1050ms",
      drainTimeout: "20s",
      producers: [{ name: "orders", arrival: { process: "constant", rate: "10/s" }, limit: 10 }],
      dependencies: { payments: { latency: "1ms", errors: { permanent: 1 } } },
      consumers: [
        { group: "billing", steps: [{ call: "payments" }], retry: { onExhausted: "dead-letter" }, ...consumer },
      ],
      ...overrides,
    }),
  );
}

const timesOf = (log: EventLog, what: string) =>
  log.lines.filter((line) => line.includes(` ${what} `)).map((line) => Number(line.slice(2).split(" ")[0]));

describe("DLQ redrive", () => {
  it("moves the DLQ back oldest first, at most max, one message per 1/rate; the rest stays dead-lettered", () => {
    const log = new EventLog();
    const scenario = failingOrders({ redrive: [{ at: "5s", max: 4, rate: "2/s" }] });
    const { summary } = runScenario(scenario, { observers: [log] });
    // The four oldest (m0..m3), at 5 s, 5.5 s, 6 s and 6.5 s; each fails again and goes back to the DLQ.
    expect(timesOf(log, "redriven")).toEqual([5e6, 5.5e6, 6e6, 6.5e6]);
    expect(log.lines.filter((l) => l.includes(" redriven ")).map((l) => l.split(" ")[2])).toEqual([
      "m0",
      "m1",
      "m2",
      "m3",
    ]);
    expect(summary.retries!.billing).toMatchObject({
      deadLettered: 14,
      redriven: 4,
      redrivenConsumed: 0,
      redrivenDeadLettered: 4,
    });
    // Each moved message is a redelivery of the same id; at the end all ten are dead-lettered, none lost.
    expect(summary.messages).toMatchObject({ deliveries: 14, redeliveries: 4, deadLettered: 10, lost: 0, pending: 0 });
  });

  it("moves everything at once without a rate, and a second action takes what came back", () => {
    const log = new EventLog();
    const scenario = failingOrders({ redrive: [{ at: "5s" }, { at: "10s" }] });
    const { summary } = runScenario(scenario, { observers: [log] });
    const moves = timesOf(log, "redriven");
    expect(moves).toEqual([...Array(10).fill(5e6), ...Array(10).fill(10e6)]);
    expect(summary.retries!.billing).toMatchObject({ redriven: 20, redrivenDeadLettered: 20, redrivenConsumed: 0 });
    expect(summary.messages).toMatchObject({ redeliveries: 20, deadLettered: 10 });
  });

  it("recovers messages whose cause has cleared: consumed after the move, no longer dead-lettered", () => {
    // Payments refuses every call until 2 s; the ten orders are dead-lettered, the redrive at 3 s recovers all.
    const scenario = failingOrders(
      { redrive: [{ at: "3s" }] },
      {
        dependencies: { payments: { latency: "1ms" } },
        faults: [{ at: "0s", for: "2s", outage: { dependency: "payments" } }],
      },
    );
    const { summary, checks } = runScenario({ ...scenario, expect: { ...scenario.expect, delivery: "at-least-once" } });
    expect(summary.retries!.billing).toMatchObject({ deadLettered: 10, redriven: 10, redrivenConsumed: 10 });
    expect(summary.messages).toMatchObject({ consumed: 10, deadLettered: 0, lost: 0, redeliveries: 10 });
    expect(checks.every((check) => check.passed)).toBe(true);
  });

  it("leaves parked messages alone: a parking lot is for a person, not the redrive", () => {
    const { summary } = runScenario(failingOrders({ retry: { onExhausted: "park" }, redrive: [{ at: "5s" }] }));
    expect(summary.retries!.billing).toMatchObject({ parked: 10, redriven: 0 });
    expect(summary.messages.deadLettered).toBe(10);
  });

  it("gives a redriven message a fresh delivery limit: fifo deliveryLimit and SQS maxReceiveCount count from the move", () => {
    // Poison messages fail every delivery; the broker dead-letters them at its limit of 3.
    const poisoned = (broker: Record<string, unknown>) =>
      runScenario(
        parsed(
          scenarioInput({
            duration: "1050ms",
            drainTimeout: "60s",
            broker,
            producers: [{ name: "jobs", arrival: { process: "constant", rate: "10/s" }, limit: 10 }],
            consumers: [{ group: "workers", processing: "1ms", redrive: [{ at: "20s" }] }],
            faults: [{ poison: { fraction: 1 } }],
          }),
        ),
      ).summary;
    const fifo = poisoned({ profile: "fifo", settings: { deliveryLimit: 3 } });
    // Three deliveries before the DLQ, three more after the move: five redeliveries each.
    expect(fifo.messages).toMatchObject({ deliveries: 60, redeliveries: 50, deadLettered: 10 });
    expect(fifo.retries!.workers).toMatchObject({ redriven: 10, redrivenDeadLettered: 10 });
    const sqs = poisoned({
      profile: "sqs",
      settings: { RedrivePolicy: { maxReceiveCount: 3 }, VisibilityTimeout: 1, visibilityTimeoutOnFailure: 0 },
    });
    expect(sqs.messages).toMatchObject({ deliveries: 60, redeliveries: 50, deadLettered: 10 });
    expect(sqs.retries!.workers).toMatchObject({ redriven: 10, redrivenDeadLettered: 10 });
  });

  it.each(["fifo", "sqs-fifo"])(
    "%s: puts a moved message at the tail of its queue, behind those already waiting",
    (profile) => {
      // Payments refuses calls until 250 ms: m0 and m1 are dead-lettered; then each order takes 300 ms, so a
      // backlog builds. The redrive at 1.02 s moves m0 and m1 behind m2..m9, and they are consumed last.
      const log = new EventLog();
      const scenario = failingOrders(
        { steps: [{ call: "payments" }, { work: "300ms" }], redrive: [{ at: "1020ms" }] },
        {
          broker: { profile },
          dependencies: { payments: { latency: "1ms" } },
          faults: [{ at: "0s", for: "250ms", outage: { dependency: "payments" } }],
        },
      );
      runScenario(scenario, { observers: [log] });
      const consumed = log.lines.filter((l) => l.includes(" consumed ")).map((l) => l.split(" ")[2]);
      expect(consumed).toEqual(["m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m0", "m1"]);
    },
  );

  it("repeats a side effect applied before the dead-letter, unless the call carries an idempotency key", () => {
    // Payments is 20x slow: each call takes 2 s, the client gives up after 1 s, and the service charges
    // anyway; the order is dead-lettered. The redrive at 6 s charges it again, unless the call is keyed.
    const charged = (idempotencyKey: boolean) =>
      runScenario(
        failingOrders(
          {
            concurrency: 10, // all ten calls start inside the slowdown (its window ends with the 1.05 s run)
            steps: [{ call: "payments", sideEffect: true, idempotencyKey }],
            retry: { maxAttempts: 1, onExhausted: "dead-letter" },
            redrive: [{ at: "6s" }],
          },
          {
            dependencies: { payments: { latency: "100ms", timeout: "1s" } },
            faults: [{ at: "0s", for: "3s", slowdown: { dependency: "payments", factor: 20 } }],
          },
        ),
      ).summary;
    const plain = charged(false);
    expect(plain.retries!.billing).toMatchObject({ deadLettered: 10, redriven: 10, redrivenConsumed: 10 });
    expect(plain.messages).toMatchObject({ consumed: 10, deadLettered: 0, sideEffectsRepeated: 10 });
    const keyed = charged(true);
    expect(keyed.messages).toMatchObject({ consumed: 10, deadLettered: 0, sideEffectsRepeated: 0 });
    expect(keyed.dependencies!.payments!.keyDeduplicated).toBe(10);
  });

  it("gives the same summary bytes for the same scenario and seed", () => {
    const scenario = parsed({
      ...scenarioInput(),
      seed: 5,
      duration: "5s",
      producers: [{ name: "p", rate: "200/s" }],
      dependencies: { payments: { latency: { dist: "exponential", mean: "5ms" }, errors: { transient: 0.3 } } },
      consumers: [
        {
          group: "g",
          instances: 2,
          concurrency: 4,
          steps: [{ call: "payments" }],
          retry: { maxAttempts: 2, backoff: { type: "exponential", base: "10ms", jitter: "full" } },
          redrive: [{ at: "2s", max: 50, rate: "100/s" }, { at: "4s" }],
        },
      ],
    });
    const first = JSON.stringify(runScenario(scenario).summary);
    expect(JSON.stringify(runScenario(scenario).summary)).toBe(first);
    expect(JSON.parse(first).retries.g.redriven).toBeGreaterThan(50);
  });
});

describe("redrive validation", () => {
  const FILE = "redrive.yaml";
  const text = (profile: string, redrive: string) =>
    [
      "name: redrive",
      "duration: 10s",
      `broker: {profile: ${profile}}`,
      "producers:",
      "  - name: p",
      "    rate: 10/s",
      "consumers:",
      "  - group: g",
      "    processing: 1ms",
      `    redrive: ${redrive}`,
      "",
    ].join("\n");
  const problems = (source: string) => refusedLines(source, FILE);

  it("refuses a redrive on a profile without one, naming the profiles that have it", () => {
    const [line] = problems(text("kafka", "[{at: 5s}]"));
    expect(line).toContain(`${FILE}:10:`);
    expect(line).toContain("consumers[0].redrive");
    expect(line).toContain("the kafka profile does not model a DLQ redrive (profiles that do: fifo, sqs, sqs-fifo)");
  });

  it("refuses a redrive that starts after the run ends", () => {
    const [line] = problems(text("fifo", "[{at: 1h}]"));
    expect(line).toContain("consumers[0].redrive[0].at");
    expect(line).toContain("it would never run");
  });

  it("reports a misspelt field with a did-you-mean, and a bad rate with what was expected", () => {
    expect(problems(text("fifo", "[{at: 5s, rte: 10/s}]"))[0]).toContain('did you mean "rate"?');
    expect(problems(text("fifo", "[{at: 5s, rate: fast}]"))[0]).toContain("consumers[0].redrive[0].rate");
  });

  it("refuses a bound on a redrive figure for a group without redrive", () => {
    const source = text("fifo", "[{at: 5s}]")
      .replace(
        "    redrive: [{at: 5s}]\n",
        "    redrive: [{at: 5s}]\n  - group: h\n    processing: 1ms\n    rateLimit: {type: token-bucket, rate: 10/s}\n",
      )
      .concat("expect:\n  retries:\n    h: {redriven: {min: 1}}\n");
    const [line] = problems(source);
    expect(line).toContain("expect.retries.h.redriven");
    expect(line).toContain('"redriven" is counted only for a group with redrive: (h has none)');
  });
});
