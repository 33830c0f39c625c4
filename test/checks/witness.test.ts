// Proves the witness finds duplicates, repeated side effects and out-of-order consumptions on hand-written event streams, in every ordering scope.
import { describe, expect, it } from "vitest";
import { Witness } from "../../src/metrics/witness.js";
import { MessageTable } from "../../src/model/messages.js";

/** Three producers' messages: id → (producer, key, partition). */
function table(rows: [producer: number, key: number, partition: number][]): MessageTable {
  const messages = new MessageTable(2, 16);
  for (const [producer, key, partition] of rows) {
    const id = messages.create(0, producer, key, 100);
    messages.partition[id] = partition;
    messages.recordAccepted(id);
  }
  return messages;
}

function witness(scope: "per-key" | "per-producer" | "per-partition" | "none", messages: MessageTable) {
  const w = new Witness(2, 3, 10, scope, [true, false]);
  w.watch(messages);
  return w;
}

describe("Witness", () => {
  const rows: [number, number, number][] = [
    [0, 1, 0], // m0
    [0, 1, 1], // m1: same producer and key as m0, another partition
    [1, 1, 0], // m2: same key, another producer
    [0, 2, 0], // m3
  ];

  it("reports the first duplicate with both consumptions", () => {
    const w = witness("none", table(rows));
    w.consumed(0, 0, 4, 1, 10);
    w.consumed(1, 0, 4, 1, 20);
    w.consumed(0, 0, 5, 2, 30);
    w.consumed(1, 0, 5, 2, 40);
    expect(w.firstDuplicate).toEqual({
      message: 0,
      group: 0,
      key: 1,
      producer: 0,
      events: [
        { what: "consumed", consumer: 4, at: 10 },
        { what: "consumed again", consumer: 5, at: 30 },
      ],
    });
  });

  it("reports a repeated side effect only in groups where repeats matter", () => {
    const w = witness("none", table(rows));
    w.sideEffect(2, 1, 7, 1, 5);
    w.sideEffect(2, 1, 7, 2, 6);
    expect(w.firstRepeatedEffect).toBeNull();
    // In the model a first effect always comes with the first consumption.
    w.sideEffect(3, 0, 7, 1, 8);
    w.consumed(3, 0, 7, 1, 8);
    w.sideEffect(3, 0, 8, 2, 9);
    expect(w.firstRepeatedEffect?.events.map((e) => e.consumer)).toEqual([7, 8]);
  });

  it("per-key: only messages with the same producer and key are ordered", () => {
    const w = witness("per-key", table(rows));
    w.consumed(2, 0, 0, 1, 1); // another producer: not the same stream as m0
    w.consumed(3, 0, 0, 1, 2); // another key
    w.consumed(1, 0, 0, 1, 3);
    w.consumed(0, 0, 0, 1, 4); // m0 after m1, same producer and key
    expect(w.outOfOrder).toBe(1);
    expect(w.firstOutOfOrder).toMatchObject({ message: 0, key: 1, producer: 0 });
  });

  it("per-producer: all of a producer's messages are ordered", () => {
    const w = witness("per-producer", table(rows));
    w.consumed(3, 0, 0, 1, 1);
    w.consumed(0, 0, 0, 1, 2);
    w.consumed(1, 0, 0, 1, 3);
    w.consumed(2, 0, 0, 1, 4);
    expect(w.outOfOrder).toBe(2);
  });

  it("per-partition: messages of one partition are consumed in the order the broker accepted them", () => {
    const w = witness("per-partition", table(rows));
    w.consumed(2, 0, 0, 1, 1);
    w.consumed(1, 0, 0, 1, 2);
    w.consumed(0, 0, 0, 1, 3); // partition 0, after m2
    expect(w.outOfOrder).toBe(1);
  });

  it("orders each consumer group separately and ignores redeliveries", () => {
    const w = witness("per-producer", table(rows));
    w.consumed(1, 0, 0, 1, 1);
    w.consumed(0, 1, 0, 1, 2); // another group
    w.consumed(1, 0, 0, 2, 3); // a duplicate is not an ordering question
    expect(w.outOfOrder).toBe(0);
  });

  it("finds nothing in a clean stream", () => {
    const w = witness("per-key", table(rows));
    for (let m = 0; m < 4; m++) w.consumed(m, 0, 0, 1, m);
    expect([w.outOfOrder, w.firstDuplicate, w.firstOutOfOrder]).toEqual([0, null, null]);
  });
});

describe("Witness, per partition", () => {
  it("follows acceptance order, not creation order, when producers race", () => {
    const messages = new MessageTable(1, 16);
    const early = messages.create(0, 0, 1, 100); // created first, accepted second
    const late = messages.create(0, 1, 1, 100);
    messages.recordAccepted(late);
    messages.recordAccepted(early);
    const w = new Witness(1, 2, 10, "per-partition", [true]);
    w.watch(messages);
    w.consumed(late, 0, 0, 1, 1);
    w.consumed(early, 0, 0, 1, 2);
    expect(w.outOfOrder).toBe(0);
  });
});
