// Proves the message table's ring: retired messages are folded in id order and their rows reset for newer ones, growing keeps every live row, and a retired id fails loudly.
import { describe, expect, it } from "vitest";
import { MessageTable, PublishOutcome } from "../../src/model/messages.js";

function tableWith(messages: number, rows: number): MessageTable {
  const table = new MessageTable(1, rows);
  for (let id = 0; id < messages; id++) {
    table.create(id * 10, 0, id, 100 + id);
    table.recordAccepted(id);
    table.acceptedAt[table.slot(id)] = id * 10 + 1;
    table.outcome[table.slot(id)] = PublishOutcome.accepted;
  }
  return table;
}

describe("MessageTable as a ring", () => {
  it("retires in id order, resets the rows, and gives them to newer messages", () => {
    const table = tableWith(4, 4);
    const retired: number[] = [];
    table.onRetire((id) => retired.push(id));
    const extra = table.column((n) => new Float64Array(n), -1);
    extra.values[table.slot(1)] = 7;
    table.retireBelow(2);
    expect(retired).toEqual([0, 1]);
    expect(table.base).toBe(2);
    expect(extra.values[1]).toBe(-1);
    const id = table.create(99, 0, 5, 1);
    expect(id).toBe(4);
    expect(table.slot(4)).toBe(0);
    expect(table.capacity).toBe(4);
    // The reused row holds a new message's defaults, not the retired one's figures.
    expect(table.acceptedAt[table.slot(4)]).toBeNaN();
    expect(table.acceptOrder[table.slot(4)]).toBe(-1);
    expect(table.outcome[table.slot(4)]).toBe(PublishOutcome.none);
    expect(table.key[table.slot(2)]).toBe(2);
  });

  it("tells a range listener each retirement's ids at once, while their rows still hold them", () => {
    const table = tableWith(6, 8);
    const ranges: [number, number, number][] = [];
    table.onRetireRange((from, to) => ranges.push([from, to, table.key[(to - 1) & table.mask]!]));
    table.retireBelow(2);
    table.retireBelow(2);
    table.retireBelow(5);
    expect(ranges).toEqual([
      [0, 2, 1],
      [2, 5, 4],
    ]);
  });

  it("grows past a wrapped ring with every live row where its id now lives", () => {
    const table = tableWith(4, 4);
    table.retireBelow(3);
    for (let id = 4; id < 7; id++) table.create(id * 10, 0, id, 100 + id);
    const extra = table.column((n) => new Int32Array(n));
    for (let id = 3; id < 7; id++) extra.values[table.slot(id)] = id * 3;
    table.create(70, 0, 7, 107);
    expect(table.capacity).toBe(8);
    for (let id = 3; id < 8; id++) {
      expect(table.key[table.slot(id)]).toBe(id);
      expect(table.intendedAt[table.slot(id)]).toBe(id * 10);
    }
    for (let id = 3; id < 7; id++) expect(extra.values[table.slot(id)]).toBe(id * 3);
    expect(table.acceptedAt[table.slot(3)]).toBe(31);
    expect(table.acceptedAt[table.slot(4)]).toBeNaN();
  });

  it("refuses a retired id and counts retired poison", () => {
    const table = new MessageTable(1, 4);
    table.create(0, 0, 0, 1, true);
    table.create(0, 0, 1, 1);
    table.retireBelow(2);
    expect(table.retiredPoison).toBe(1);
    expect(() => table.slot(1)).toThrow(/message 1 used after it was retired/);
  });

  it("a table that is not a ring keeps each message at its id and never retires", () => {
    const table = new MessageTable(1, 5, false);
    for (let id = 0; id < 12; id++) table.create(id, 0, id, 1);
    expect(table.capacity).toBe(20);
    for (let id = 0; id < 12; id++) expect(table.slot(id)).toBe(id);
    expect(() => table.retireBelow(3)).toThrow(/not a ring/);
  });
});
