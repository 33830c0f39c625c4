// Proves the message table keeps stragglers apart: retiring around held messages folds every other one, keeps each held row whole (through growth of the ring and of the spare rows), finds it below the base, and retires it on its own later.
import { describe, expect, it } from "vitest";
import { MessageTable, PublishOutcome } from "../../src/model/messages.js";

function tableWith(messages: number, rows: number): MessageTable {
  const table = new MessageTable(2, rows);
  for (let id = 0; id < messages; id++) {
    table.create(id * 10, 0, id, 100 + id, id % 5 === 0);
    table.outcome[table.slot(id)] = PublishOutcome.accepted;
    table.consumedBy[1]![table.slot(id)] = id % 3;
  }
  return table;
}

function rowOf(table: MessageTable, id: number) {
  const row = table.slot(id);
  return { key: table.key[row], intendedAt: table.intendedAt[row], consumed: table.consumedBy[1]![row] };
}

describe("stragglers: messages kept apart below the base", () => {
  it("retires around the held ones, folding every other id once, in order", () => {
    const table = tableWith(12, 16);
    const extra = table.column((n) => new Int32Array(n), -1);
    for (let id = 0; id < 12; id++) extra.values[table.slot(id)] = id * 7;
    const ranges: [number, number][] = [];
    const ids: number[] = [];
    table.onRetireRange((from, to) => ranges.push([from, to]));
    table.onRetire((id) => ids.push(id));
    table.retireAround(8, [2, 5, 6]);
    expect(table.base).toBe(8);
    expect(ranges).toEqual([
      [0, 2],
      [3, 5],
      [7, 8],
    ]);
    expect(ids).toEqual([0, 1, 3, 4, 7]);
    expect(table.stragglerIds()).toEqual([2, 5, 6]);
    for (const id of [2, 5, 6]) {
      expect(rowOf(table, id)).toEqual({ key: id, intendedAt: id * 10, consumed: id % 3 });
      expect(extra.values[table.slot(id)]).toBe(id * 7);
      expect(table.inPlay(id)).toBe(true);
    }
    expect(() => table.slot(3)).toThrow(/message 3 used after it was retired/);
    expect(table.inPlay(3)).toBe(false);
    // Poison among the folded ones (0 of 0..7 but the kept 5) is counted; the kept poison waits for its own turn.
    expect(table.retiredPoison).toBe(1);
  });

  it("keeps a straggler's row whole while the ring grows and wraps around it", () => {
    const table = tableWith(8, 8);
    table.retireAround(6, [1, 4]);
    for (let id = 8; id < 40; id++) table.create(id * 10, 0, id, 1);
    expect(table.capacity).toBeGreaterThan(8);
    expect(rowOf(table, 1)).toEqual({ key: 1, intendedAt: 10, consumed: 1 });
    expect(rowOf(table, 4)).toEqual({ key: 4, intendedAt: 40, consumed: 1 });
    for (let id = 6; id < 40; id++) expect(table.key[table.slot(id)]).toBe(id);
    // A later pass adds more stragglers: the spare rows grow and the first ones keep theirs.
    table.retireAround(30, [12, 17, 29]);
    expect(table.stragglerIds()).toEqual([1, 4, 12, 17, 29]);
    for (const id of [1, 4, 12, 17, 29]) expect(table.key[table.slot(id)]).toBe(id);
  });

  it("retires a straggler on its own, resets its spare row and gives it to the next", () => {
    const table = tableWith(10, 16);
    const folded: number[] = [];
    table.onRetireRange((from, to) => {
      for (let id = from; id < to; id++) folded.push(id);
    });
    table.retireAround(8, [0, 3]);
    folded.length = 0;
    const spare = table.slot(0);
    table.retireStraggler(0);
    expect(folded).toEqual([0]);
    expect(table.retiredPoison).toBe(2); // 5 with the first pass, 0 now
    expect(table.stragglerIds()).toEqual([3]);
    expect(() => table.slot(0)).toThrow(/message 0 used after it was retired/);
    expect(table.acceptedAt[spare]).toBeNaN();
    table.retireAround(9, [8]);
    expect(table.slot(8)).toBe(spare);
    expect(rowOf(table, 8)).toEqual({ key: 8, intendedAt: 80, consumed: 2 });
  });

  it("visits what is in play: the stragglers, then the ids from the base on", () => {
    const table = tableWith(10, 16);
    table.retireAround(6, [2, 4]);
    const seen: number[] = [];
    table.forEachInPlay((id) => seen.push(id));
    expect(seen).toEqual([2, 4, 6, 7, 8, 9]);
  });
});
