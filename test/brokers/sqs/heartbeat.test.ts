// Proves the visibility heartbeat (ChangeMessageVisibility while a consumer holds a message): a slow but live consumer keeps its message, while a crash, a partition, a broker outage or the 12-hour cap lets it come back.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, simulate, validateScenario } from "../../../src/index.js";
import { EventLog } from "../../helpers/event-log.js";
import { scenarioInput } from "../../helpers/scenario.js";
import { deterministic, deterministicFifo, oneMessage, run } from "./run.js";

const heartbeat = { every: "10s", extendTo: "30s" };
const withHeartbeat = { ...deterministic, visibilityHeartbeat: heartbeat };

/** One message, published at 1 s and processed for 40 s by one of two consumers, against a 30 s VisibilityTimeout. */
function slowJob(options: { settings?: object; profile?: string; extra?: Record<string, unknown> } = {}) {
  return run({
    duration: "45s",
    drainTimeout: "70s",
    broker: { profile: options.profile ?? "sqs", settings: options.settings ?? withHeartbeat },
    producers: oneMessage,
    consumers: [{ group: "g", instances: 2, processing: "40s" }],
    ...options.extra,
  });
}

describe("sqs visibility heartbeat", () => {
  it("keeps a 40 s job's message in flight past a 30 s VisibilityTimeout: no parallel duplicate", () => {
    // The same run without the heartbeat gives a parallel duplicate (visibility.test.ts, first case).
    const short = { duration: "2s" };
    expect(slowJob({ settings: deterministic, extra: short }).result.counts).toMatchObject({
      deliveries: 3,
      duplicated: 1,
    });
    const { log, result } = slowJob({ extra: short });
    expect(log.lines).toEqual([
      "t=1000000 published m0",
      "t=1000000 accepted m0",
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=41000000 effect m0 g0 c0 x1",
      "t=41000000 consumed m0 g0 c0 x1",
    ]);
    expect(result.counts).toMatchObject({ deliveries: 1, duplicated: 0, sideEffectsRepeated: 0, pending: 0 });
    const fifo = slowJob({ profile: "sqs-fifo", settings: { ...deterministicFifo, visibilityHeartbeat: heartbeat } });
    expect(fifo.result.counts).toMatchObject({ deliveries: 1, duplicated: 0, pending: 0 });
  });

  it("stops with a crash: the message comes back extendTo after the last heartbeat that reached SQS", () => {
    // 5 ms each way: c0 gets the message at 1.010 s and heartbeats at 11.010 and 21.010 s, which reach SQS
    // 5 ms later. It crashes at 25 s; the last extension ends at 21.015 + 30 = 51.015 s, when c1 receives it.
    const { log, result } = slowJob({
      extra: {
        duration: "60s",
        network: { latency: "5ms" },
        faults: [{ at: "25s", crash: "consumer", target: "g/1" }],
      },
    });
    expect(log.lines).toEqual([
      "t=1000000 published m0",
      "t=1005000 accepted m0",
      "t=1005000 delivered m0 g0 c0 waited 0",
      "t=25000000 fault consumer-crash g/1 began",
      "t=51015000 delivered m0 g0 c1 waited 50010000 attempt 2",
      "t=60000000 fault consumer-crash g/1 ended",
      "t=91020000 effect m0 g0 c1 x1",
      "t=91020000 consumed m0 g0 c1 x1",
    ]);
    expect(result.counts).toMatchObject({ deliveries: 2, consumed: 1, duplicated: 0, lost: 0, pending: 0 });
  });

  it("fails across a partition longer than the remaining visibility: exactly one duplicate", () => {
    // The partition cuts c0 off from 5 s to 40 s; its heartbeats at 11, 21 and 31 s are lost, so the message is
    // visible at 31 s (the receive's 30 s) and c1 takes it while c0 still works. c0's delete at 41 s carries an
    // old receipt handle; c1's heartbeats keep the message until its own delete at 71 s.
    const partition = (length: string) =>
      slowJob({ extra: { faults: [{ at: "5s", for: length, partition: { between: ["broker", "g/1"] } }] } });
    const long = partition("35s");
    expect(long.log.lines).toEqual([
      "t=1000000 published m0",
      "t=1000000 accepted m0",
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=5000000 fault partition broker|g/1 began",
      "t=31000000 delivered m0 g0 c1 waited 30000000 attempt 2",
      "t=40000000 fault partition broker|g/1 ended",
      "t=41000000 effect m0 g0 c0 x1",
      "t=41000000 consumed m0 g0 c0 x1",
      "t=71000000 effect m0 g0 c1 x2",
      "t=71000000 consumed m0 g0 c1 x2",
    ]);
    expect(long.result.counts).toMatchObject({ deliveries: 2, duplicated: 1, sideEffectsRepeated: 1, pending: 0 });
    // Healed at 15 s, before the visibility ends: the heartbeat at 21 s reaches SQS and nothing is duplicated.
    expect(partition("10s").result.counts).toMatchObject({ deliveries: 1, duplicated: 0, pending: 0 });
  });

  it("fails while SQS is down: the message becomes visible and is received again after the restart", () => {
    const { log, result } = slowJob({ extra: { faults: [{ at: "5s", crash: "broker", restartAfter: "35s" }] } });
    expect(log.matching("delivered")).toEqual([
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=40000000 delivered m0 g0 c1 waited 39000000 attempt 2",
    ]);
    expect(result.counts).toMatchObject({ deliveries: 2, duplicated: 1, pending: 0 });
  });

  it("keeps running for the work a cleanly stopping consumer finishes", () => {
    const stop = { extra: { faults: [{ at: "5s", stop: "consumer", target: "g/1", gracePeriod: "60s" }] } };
    expect(slowJob(stop).result.counts).toMatchObject({ deliveries: 1, duplicated: 0, pending: 0 });
    // Without the heartbeat the stopping consumer's message times out under it at 31 s.
    expect(slowJob({ ...stop, settings: deterministic }).result.counts).toMatchObject({ duplicated: 1 });
  });

  it("cannot keep a message in flight beyond 12 hours from its receive", () => {
    // Received at 1 s. The heartbeat at 1 s + 43,170 s extends to exactly receive + 12 h; the next one, 10 s
    // later, would pass the cap and is rejected, so the message is visible again at 43,201 s.
    const { log } = run({
      duration: "2s",
      drainTimeout: "12h",
      broker: { profile: "sqs", settings: withHeartbeat },
      producers: oneMessage,
      consumers: [{ group: "g", instances: 2, processing: "13h" }],
    });
    expect(log.lines).toEqual([
      "t=1000000 published m0",
      "t=1000000 accepted m0",
      "t=1000000 delivered m0 g0 c0 waited 0",
      "t=43201000000 delivered m0 g0 c1 waited 43200000000 attempt 2",
    ]);
  });

  it("refuses a heartbeat slower than the visibility it renews, and extendTo beyond 12 hours", () => {
    const issues = (visibilityHeartbeat: object, more: object = {}) => {
      const settings = { VisibilityTimeout: 30, visibilityHeartbeat, ...more };
      const result = validateScenario(scenarioInput({ broker: { profile: "sqs", settings } }));
      if (result.ok) throw new Error("expected the settings to be refused");
      return result.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    };
    expect(issues({ every: "30s", extendTo: "60s" })).toEqual([
      "broker.settings.visibilityHeartbeat.every: visibilityHeartbeat.every (30s) must be below VisibilityTimeout (30s): otherwise the message becomes visible between two heartbeats and another consumer can receive it",
    ]);
    expect(issues({ every: "20s", extendTo: 15 })).toEqual([
      "broker.settings.visibilityHeartbeat.every: visibilityHeartbeat.every (20s) must be below visibilityHeartbeat.extendTo (15s): otherwise the message becomes visible between two heartbeats and another consumer can receive it",
    ]);
    expect(issues({ every: "10s", extendTo: 43_201 })[0]).toContain(
      "broker.settings.visibilityHeartbeat.extendTo: whole seconds from 0 to 43200",
    );
    expect(issues({ every: 0, extendTo: 30 })).toEqual([
      "broker.settings.visibilityHeartbeat.every: visibilityHeartbeat.every must be above 0",
    ]);
  });
});

describe("scenarios/sqs-visibility-heartbeat.yaml", () => {
  it("receives every job once but the crashed worker's; without the heartbeat it duplicates and dead-letters", () => {
    const loaded = loadScenarioFile(join(import.meta.dirname, "../../../scenarios/sqs-visibility-heartbeat.yaml"));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const log = new EventLog();
    const result = simulate(loaded.scenario, { observers: [log] });
    expect(result.counts).toMatchObject({ published: 106, consumed: 106, deliveries: 107, duplicated: 0 });
    expect(result.counts).toMatchObject({ deadLettered: 0, lost: 0, pending: 0 });
    // workers/2 (c1) received m40 at 39.774 s and crashed at 60 s; its last heartbeat reached SQS about
    // 59.8 s, and the message was received again 30 s (extendTo) after that.
    expect(log.lines.filter((line) => line.includes(" m40 ") && line.includes("delivered"))).toEqual([
      "t=39774129 delivered m40 g0 c1 waited 0",
      "t=89807805 delivered m40 g0 c27 waited 50033676 attempt 2",
    ]);
    const plain = structuredClone(loaded.scenario);
    Object.assign(plain.broker.settings, { visibilityHeartbeat: null });
    expect(simulate(plain).counts).toMatchObject({ deliveries: 135, duplicated: 28, deadLettered: 5, lost: 0 });
  });
});
