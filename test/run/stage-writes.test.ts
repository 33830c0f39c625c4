// Proves a stage's writes: what a crash between side effect and publish does under a dual write and an outbox, with each idempotency strategy, and a relay crash's duplicates.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/index.js";
import { parsed, refusedLines, scenarioInput } from "../helpers/scenario.js";

/**
 * 10 orders, one every 100 ms from 100 ms, at zero latency: bill (1 ms each) publishes each to ship. bill/1
 * crashes once at `point` (by default the first pass after 450 ms: order 5's) and is back 1 s later.
 */
function billThenShip(
  writes: Record<string, unknown>,
  idempotency: string,
  crash: Record<string, unknown> = { at: "450ms", point: "after-side-effect" },
) {
  return scenarioInput({
    duration: "2s",
    drainTimeout: "10s",
    producers: [{ name: "orders", arrival: { process: "constant", rate: "10/s" }, limit: 10 }],
    consumers: [
      {
        group: "bill",
        processing: "1ms",
        idempotency: { strategy: idempotency },
        publishTo: "ship",
        writes: { commit: "10ms", ...writes },
      },
      { group: "ship", processing: "1ms", idempotency: { strategy: "dedup-store" } },
    ],
    broker: { profile: "fifo", settings: { crashDetection: "100ms" } },
    faults: [{ crash: "consumer", target: "bill/1", restartAfter: "1s", ...crash }],
  });
}

const dualWrite = { mode: "dual-write" };
const outbox = { mode: "outbox", relay: { pollInterval: "100ms", batchSize: 100 } };

describe("a stage's writes under a crash between its side effect and its publish", () => {
  it("dual write, transactional inbox: the event is committed and never published; the redelivery skips it; one flow incomplete", () => {
    const { summary } = runScenario(parsed(billThenShip(dualWrite, "transactional")));
    expect(summary.outbox?.bill).toMatchObject({ committed: 10, published: 9, unpublished: 1, relayDuplicates: 0 });
    expect(summary.stages?.ship).toMatchObject({ received: 9, consumed: 9 });
    expect(summary.endToEnd).toMatchObject({ roots: 10, completed: 9 });
    expect(summary.messages).toMatchObject({ sideEffectsRepeated: 0, unknown: 1, lost: 0 });
  });

  it("outbox, transactional inbox: the row committed with the effect is published after the restart; nothing lost", () => {
    const { summary } = runScenario(parsed(billThenShip(outbox, "transactional")));
    expect(summary.outbox?.bill).toMatchObject({ committed: 10, published: 10, unpublished: 0, relayDuplicates: 0 });
    expect(summary.stages?.ship).toMatchObject({ received: 10, consumed: 10, duplicated: 0 });
    expect(summary.endToEnd).toMatchObject({ roots: 10, completed: 10 });
    expect(summary.messages).toMatchObject({ sideEffectsRepeated: 0, unknown: 0, lost: 0 });
    // The row waited for the restart: its lag is at least the 1 s down.
    expect(summary.outbox!.bill!.lagMs.max).toBeGreaterThanOrEqual(1000);
  });

  it("outbox, dedup store: the id is recorded in the same transaction, so the redelivery neither repeats the effect nor publishes again", () => {
    const { summary } = runScenario(parsed(billThenShip(outbox, "dedup-store")));
    expect(summary.outbox?.bill).toMatchObject({ committed: 10, published: 10, unpublished: 0 });
    expect(summary.stages?.ship).toMatchObject({ received: 10, consumed: 10 });
    expect(summary.messages).toMatchObject({ sideEffectsRepeated: 0 });
  });

  it("dual write, dedup store: the id was not yet recorded, so the redelivery repeats the effect and publishes anew; the first event is still unpublished", () => {
    const { summary } = runScenario(parsed(billThenShip(dualWrite, "dedup-store")));
    expect(summary.outbox?.bill).toMatchObject({ committed: 11, published: 10, unpublished: 1 });
    expect(summary.stages?.ship).toMatchObject({ received: 10, consumed: 10 });
    expect(summary.endToEnd).toMatchObject({ roots: 10, completed: 10 });
    expect(summary.messages).toMatchObject({ sideEffectsRepeated: 1 });
  });

  it("outbox, no idempotency: the redelivery repeats the effect and commits a second row: ship gets that order twice, as two events", () => {
    const { summary } = runScenario(parsed(billThenShip(outbox, "none")));
    expect(summary.outbox?.bill).toMatchObject({ committed: 11, published: 11, unpublished: 0, relayDuplicates: 0 });
    expect(summary.stages?.ship).toMatchObject({ received: 11, consumed: 11 });
    expect(summary.messages).toMatchObject({ sideEffectsRepeated: 1 });
  });
});

describe("a stage's relay", () => {
  it("crashing between its publish and its mark publishes the batch again: duplicates downstream, absorbed by ship's dedup store", () => {
    // Orders commit at 101, 201, 301, 401 ms. The relay polls at 100 ms (empty), 200 ms (marked at 210 ms, the
    // 10 ms commit), 310 ms (marked at 320 ms), 420 ms (order 4, marked at 430 ms): a crash at 425 ms finds
    // order 4 published and not yet marked.
    const crash = { at: "425ms", point: "now" };
    const { summary } = runScenario(parsed(billThenShip(outbox, "transactional", crash)));
    expect(summary.outbox?.bill).toMatchObject({ committed: 10, published: 10, unpublished: 0, relayDuplicates: 1 });
    expect(summary.stages?.ship).toMatchObject({ received: 10, consumed: 10, duplicated: 1 });
    expect(summary.endToEnd).toMatchObject({ roots: 10, completed: 10 });
    expect(summary.messages).toMatchObject({ lost: 0, sideEffectsRepeated: 0 });
  });

  it("without a crash publishes every row once and leaves the outbox empty", () => {
    const { summary } = runScenario(parsed(billThenShip(outbox, "transactional", { at: "30s", point: "now" })));
    expect(summary.outbox?.bill).toMatchObject({ committed: 10, published: 10, relayDuplicates: 0, backlogAtEnd: 0 });
    // A row waits at most for the mark of the batch before it (10 ms) and then a whole poll interval (100 ms).
    expect(summary.outbox!.bill!.lagMs.max).toBeGreaterThan(100);
    expect(summary.outbox!.bill!.lagMs.max).toBeLessThanOrEqual(110);
  });
});

describe("a stage's relay after the run's duration", () => {
  it("stops on an empty outbox, yet publishes a row committed while the run drains", () => {
    const input = scenarioInput({
      duration: "1s",
      drainTimeout: "30s",
      producers: [{ name: "orders", arrival: { process: "constant", rate: "10/s" }, limit: 5 }],
      consumers: [
        { group: "bill", processing: "3s", concurrency: 5, publishTo: "ship", writes: outbox },
        { group: "ship", processing: "1ms" },
      ],
    });
    const { summary } = runScenario(parsed(input));
    // Every effect commits after the 1 s duration, when the relay had already found its outbox empty.
    expect(summary.outbox?.bill).toMatchObject({ committed: 5, published: 5, backlogAtEnd: 0 });
    expect(summary.endToEnd).toMatchObject({ roots: 5, completed: 5 });
  });
});

describe("a stage's writes, refused", () => {
  const yaml = (...lines: string[]) => `${lines.join("\n")}\n`;
  const stage = (broker: string, more: string[] = []) =>
    yaml(
      "name: w",
      "duration: 5s",
      `broker: ${broker}`,
      "producers: [{name: orders, rate: 10/s}]",
      "consumers:",
      "  - {group: bill, processing: 1ms, publishTo: ship, writes: {mode: outbox}}",
      "  - {group: ship, processing: 1ms}",
      ...more,
    );

  it("expect.outbox naming neither a producer nor a stage with writes: where, and the group meant", () => {
    const lines = refusedLines(
      stage("{profile: fifo}", ["expect: {outbox: {bil: {unpublished: {max: 0}}}}"]),
      "w.yaml",
    );
    expect(lines).toEqual([
      'w.yaml:8:24  expect.outbox.bil: "bil" is not a producer or a stage with writes (known: bill)\n    did you mean "bill"?',
    ]);
  });

  it("beside Kafka's consume-transform-produce transaction, which already commits the onward messages", () => {
    const lines = refusedLines(
      stage("{profile: kafka, settings: {enable.auto.commit: false, commit: transactional}}"),
      "w.yaml",
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^w\.yaml:6:\d+ {2}consumers\[0\]\.writes: writes on a stage beside Kafka's commit: transactional/,
    );
  });
});
