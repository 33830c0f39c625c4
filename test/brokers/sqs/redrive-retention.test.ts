// Proves redrive and retention: a poison message reaches the DLQ after exactly maxReceiveCount receives (each a visibility timeout apart by default), or retries until retention deletes it; old messages are dropped; DelaySeconds holds new messages back.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, simulate } from "../../../src/index.js";
import { EventLog } from "../../helpers/event-log.js";
import { deterministic, oneMessage, run } from "./run.js";

const poison = [{ poison: { fraction: 1 } }];

describe("sqs redrive and retention", () => {
  it("moves a poison message to the DLQ after exactly maxReceiveCount receives", () => {
    const { log, result } = run({
      duration: "2s",
      drainTimeout: "2m",
      broker: { profile: "sqs", settings: { ...deterministic, RedrivePolicy: { maxReceiveCount: 3 } } },
      producers: oneMessage,
      consumers: [{ group: "g", processing: "1s" }],
      faults: poison,
    });
    // Each failure waits out the 30 s timeout (the default client calls nothing); the receive that would be the fourth moves it instead.
    expect(log.lines).toEqual([
      "t=1000000 published m0",
      "t=1000000 accepted m0",
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=31000000 delivered m0 g0 c0 waited 30000000 attempt 2",
      "t=61000000 delivered m0 g0 c0 waited 60000000 attempt 3",
      "t=91000000 dead-lettered m0 g0 maxReceiveCount",
    ]);
    expect(result.counts).toMatchObject({ deliveries: 3, deadLettered: 1, lost: 0, pending: 0 });
  });

  it("without a DLQ, retries a poison message until retention deletes it", () => {
    const { log, result } = run({
      duration: "2s",
      drainTimeout: "5m",
      broker: {
        profile: "sqs",
        settings: { ...deterministic, MessageRetentionPeriod: 60, visibilityTimeoutOnFailure: 10 },
      },
      producers: oneMessage,
      consumers: [{ group: "g", processing: "1s" }],
      faults: poison,
    });
    // Each failure hides it for 10 s; the first receive after it turned 60 s old deletes it.
    expect(log.lines.slice(2)).toEqual([
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=12000000 delivered m0 g0 c0 waited 11000000 attempt 2",
      "t=23000000 delivered m0 g0 c0 waited 22000000 attempt 3",
      "t=34000000 delivered m0 g0 c0 waited 33000000 attempt 4",
      "t=45000000 delivered m0 g0 c0 waited 44000000 attempt 5",
      "t=56000000 delivered m0 g0 c0 waited 55000000 attempt 6",
      "t=67000000 dropped m0 g0 retention",
    ]);
    expect(result.counts).toMatchObject({ dropped: 1, lost: 1, deadLettered: 0 });
  });

  it("drops messages that waited longer than MessageRetentionPeriod", () => {
    const { log, result } = run({
      duration: "1s",
      drainTimeout: "5m",
      broker: { profile: "sqs", settings: { ...deterministic, MessageRetentionPeriod: 60 } },
      producers: [{ name: "p", arrival: { process: "constant", rate: "10/s" }, limit: 5 }],
      consumers: [{ group: "g", processing: "25s" }],
    });
    expect(log.lines.filter((line) => !/published|accepted|effect/.test(line))).toEqual([
      "t=100000 delivered m0 g0 c0 waited 0",
      "t=25100000 consumed m0 g0 c0 x1",
      "t=25100000 delivered m1 g0 c0 waited 24900000",
      "t=50100000 consumed m1 g0 c0 x1",
      "t=50100000 delivered m2 g0 c0 waited 49800000",
      "t=75100000 consumed m2 g0 c0 x1",
      "t=75100000 dropped m3 g0 retention",
      "t=75100000 dropped m4 g0 retention",
    ]);
    expect(result.counts).toMatchObject({ consumed: 3, dropped: 2, lost: 2, pending: 0 });
  });

  it("holds a new message back for DelaySeconds", () => {
    const { log } = run({
      duration: "2s",
      broker: { profile: "sqs", settings: { ...deterministic, DelaySeconds: "250ms" } },
      producers: oneMessage,
      consumers: [{ group: "g", processing: "10ms" }],
    });
    expect(log.matching("delivered")).toEqual(["t=1250000 delivered m0 g0 c0 waited 250000"]);
  });
});

describe("scenarios/sqs-poison-redrive.yaml", () => {
  /** Seconds from each dead-lettered message's publish to its move, from the run's event log. */
  function secondsToDeadLetter(settings: Record<string, unknown> = {}) {
    const loaded = loadScenarioFile(join(import.meta.dirname, "../../../scenarios/sqs-poison-redrive.yaml"));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    Object.assign(loaded.scenario.broker.settings, settings);
    const log = new EventLog();
    const result = simulate(loaded.scenario, { observers: [log] });
    const publishedAt = new Map(log.matching("published").map((line) => [line.split(" ")[2], timeOf(line)]));
    const waits = log
      .matching("dead-lettered")
      .map((line) => (timeOf(line) - publishedAt.get(line.split(" ")[2])!) / 1e6);
    return { result, slowest: Math.max(...waits), fastest: Math.min(...waits) };
  }
  const timeOf = (line: string) => Number(line.split(" ")[0]!.slice(2));

  it("moves each poison message to the DLQ after 10 receives 30 s apart; a nacking client does it in under a second", () => {
    const waiting = secondsToDeadLetter();
    expect(waiting.result.counts).toMatchObject({ deadLettered: 12, redeliveries: 108, lost: 0, duplicated: 0 });
    expect(waiting.fastest).toBeGreaterThanOrEqual(300);
    expect(waiting.slowest).toBeLessThan(301);
    const nacking = secondsToDeadLetter({ visibilityTimeoutOnFailure: 0 });
    expect(nacking.result.counts).toMatchObject({ deadLettered: 12, redeliveries: 108 });
    expect(nacking.slowest).toBeLessThan(1);
  });
});
