// Proves IntMap behaves as a Map of integer keys under any sequence of sets, deletes and clears (backward-shift deletion included), and lists its keys ascending.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IntMap } from "../../src/model/int-map.js";

type Operation = { kind: "set"; key: number; value: number } | { kind: "delete"; key: number } | { kind: "clear" };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("set" as const), key: fc.nat(200), value: fc.double({ noNaN: true }) }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("delete" as const), key: fc.nat(200) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "clear" as const }) },
);

describe("IntMap", () => {
  it("agrees with a Map after every operation", () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 400 }), (operations) => {
        const map = new IntMap(2);
        const reference = new Map<number, number>();
        for (const op of operations) {
          if (op.kind === "set") {
            map.set(op.key, op.value);
            reference.set(op.key, op.value);
          } else if (op.kind === "delete") {
            map.delete(op.key);
            reference.delete(op.key);
          } else {
            map.clear();
            reference.clear();
          }
          expect(map.size).toBe(reference.size);
        }
        for (let key = 0; key <= 200; key++) {
          expect(map.has(key)).toBe(reference.has(key));
          expect(map.get(key)).toBe(reference.get(key));
        }
        expect(map.keys()).toEqual([...reference.keys()].sort((a, b) => a - b));
      }),
    );
  });

  it("keeps colliding keys findable after deleting from the middle of their run", () => {
    const map = new IntMap(8);
    // Keys that differ by the capacity (32 slots) share a home slot among 16.
    for (const key of [1, 33, 65, 97, 2]) map.set(key, key * 10);
    map.delete(33);
    expect([map.get(1), map.get(33), map.get(65), map.get(97), map.get(2)]).toEqual([10, undefined, 650, 970, 20]);
  });
});
