// Proves Range matches Kafka's RangeAssignor layout and cooperative-sticky stays balanced while moving the fewest partitions possible.
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import {
  type Assignment,
  cooperativeStickyAssign,
  diffAssignments,
  rangeAssign,
} from "../../../src/brokers/kafka/assignors.js";

const asObject = (a: Assignment): Record<string, number[]> => Object.fromEntries(a);

/** Asserts every partition has exactly one owner and the sizes are floor/ceil with the right count of ceils. */
function expectBalancedCover(result: Assignment, members: readonly string[], partitions: number): void {
  const unique = [...new Set(members)];
  expect([...result.keys()].sort()).toEqual([...unique].sort());
  const all = [...result.values()].flat().sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: partitions }, (_, i) => i));
  if (unique.length === 0) return;
  const base = Math.floor(partitions / unique.length);
  const sizes = [...result.values()].map((l) => l.length);
  for (const n of sizes) expect([base, base + 1]).toContain(n);
  expect(sizes.filter((n) => n === base + 1).length).toBe(
    partitions % unique.length === 0 ? 0 : partitions % unique.length,
  );
  for (const list of result.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
}

describe("rangeAssign", () => {
  it("splits 12 partitions over 5 members as Kafka does, extras to the first members", () => {
    // Shuffled input: Kafka sorts member ids before laying out ranges.
    const result = rangeAssign(["c-3", "c-1", "c-5", "c-2", "c-4"], 12);
    expect([...result.keys()]).toEqual(["c-1", "c-2", "c-3", "c-4", "c-5"]);
    expect(asObject(result)).toEqual({
      "c-1": [0, 1, 2],
      "c-2": [3, 4, 5],
      "c-3": [6, 7],
      "c-4": [8, 9],
      "c-5": [10, 11],
    });
  });

  it("reproduces the RangeAssignor javadoc example for one topic (3 partitions, C0 and C1)", () => {
    expect(asObject(rangeAssign(["C1", "C0"], 3))).toEqual({ C0: [0, 1], C1: [2] });
  });

  it("leaves members beyond the partition count idle but still present", () => {
    expect(asObject(rangeAssign(["e", "d", "c", "b", "a"], 3))).toEqual({ a: [0], b: [1], c: [2], d: [], e: [] });
  });

  it("sorts ids by UTF-16 code unit like Java String.compareTo, not numerically or by locale", () => {
    // "consumer-10" < "consumer-2" lexicographically, and uppercase sorts before lowercase.
    expect([...rangeAssign(["consumer-2", "consumer-10", "consumer-1"], 3).entries()]).toEqual([
      ["consumer-1", [0]],
      ["consumer-10", [1]],
      ["consumer-2", [2]],
    ]);
    expect([...rangeAssign(["b", "B", "a"], 3).keys()]).toEqual(["B", "a", "b"]);
  });

  it("handles empty groups, empty topics and duplicate ids", () => {
    expect(rangeAssign([], 5).size).toBe(0);
    expect(asObject(rangeAssign(["x", "y"], 0))).toEqual({ x: [], y: [] });
    expect(asObject(rangeAssign(["x", "x", "y"], 4))).toEqual({ x: [0, 1], y: [2, 3] });
  });

  it("rejects impossible partition counts", () => {
    expect(() => rangeAssign(["a"], -1)).toThrow(RangeError);
    expect(() => rangeAssign(["a"], 1.5)).toThrow(RangeError);
  });

  it("always yields contiguous, non-increasing, balanced ranges (randomized)", () => {
    const rng = seedrandom.alea("range-property");
    for (let trial = 0; trial < 300; trial++) {
      const partitions = Math.floor(rng() * 50);
      const members = Array.from({ length: 1 + Math.floor(rng() * 15) }, (_, i) => `m${i}`);
      const result = rangeAssign(members, partitions);
      expectBalancedCover(result, members, partitions);
      let nextStart = 0;
      let prevSize = Number.POSITIVE_INFINITY;
      for (const list of result.values()) {
        expect(list).toEqual(Array.from({ length: list.length }, (_, j) => nextStart + j));
        expect(list.length).toBeLessThanOrEqual(prevSize);
        nextStart += list.length;
        prevSize = list.length;
      }
    }
  });
});

describe("cooperativeStickyAssign", () => {
  it("starts from nothing with a balanced, id-ordered deal", () => {
    const result = cooperativeStickyAssign(new Map(), ["e", "d", "c", "b", "a"], 12);
    expect(asObject(result)).toEqual({ a: [0, 5, 10], b: [1, 6, 11], c: [2, 7], d: [3, 8], e: [4, 9] });
  });

  it("moves only the departed member's partitions when a member leaves", () => {
    const previous = new Map([
      ["a", [0, 1, 2]],
      ["b", [3, 4, 5]],
      ["c", [6, 7, 8]],
      ["d", [9, 10, 11]],
    ]);
    const next = cooperativeStickyAssign(previous, ["a", "b", "d"], 12);
    expect(asObject(next)).toEqual({ a: [0, 1, 2, 6], b: [3, 4, 5, 7], d: [8, 9, 10, 11] });
    // Nothing is taken from a live member, so no second cooperative round is needed.
    expect(diffAssignments(previous, next)).toEqual({ moved: [6, 7, 8], revoked: [] });
  });

  it("moves only what the newcomer needs when a member joins", () => {
    const previous = new Map([
      ["a", [0, 1, 2, 3]],
      ["b", [4, 5, 6, 7]],
      ["c", [8, 9, 10, 11]],
    ]);
    const next = cooperativeStickyAssign(previous, ["a", "b", "c", "d"], 12);
    expect(asObject(next)).toEqual({ a: [0, 1, 2], b: [4, 5, 6], c: [8, 9, 10], d: [3, 7, 11] });
    expect(diffAssignments(previous, next)).toEqual({ moved: [3, 7, 11], revoked: [3, 7, 11] });
  });

  it("lets an over-full member keep the extra slot when the split is uneven", () => {
    // 10 over 3 is 4/3/3. Giving the 4 to a member that already holds 5 costs 1 move instead of 2,
    // so the newcomer's 3 partitions are the only moves.
    const previous = new Map([
      ["a", [0, 1, 2, 3, 4]],
      ["b", [5, 6, 7, 8, 9]],
    ]);
    const next = cooperativeStickyAssign(previous, ["a", "b", "c"], 10);
    expect(asObject(next)).toEqual({ a: [0, 1, 2, 3], b: [5, 6, 7], c: [4, 8, 9] });
    expect(diffAssignments(previous, next).moved).toEqual([4, 8, 9]);
  });

  it("changes nothing when the group and topic are unchanged", () => {
    const first = cooperativeStickyAssign(new Map(), ["a", "b", "c"], 7);
    const second = cooperativeStickyAssign(first, ["c", "b", "a"], 7);
    expect(asObject(second)).toEqual(asObject(first));
    expect(diffAssignments(first, second)).toEqual({ moved: [], revoked: [] });
  });

  it("gives added partitions to the emptiest members without disturbing existing ones", () => {
    const previous = new Map([
      ["a", [0, 1, 2]],
      ["b", [3, 4, 5]],
    ]);
    const next = cooperativeStickyAssign(previous, ["a", "b"], 9);
    expect(asObject(next)).toEqual({ a: [0, 1, 2, 6, 8], b: [3, 4, 5, 7] });
    // New partitions had no previous owner, so they do not count as moved.
    expect(diffAssignments(previous, next).moved).toEqual([]);
  });

  it("treats a partition claimed by two members as unowned, as Kafka does", () => {
    const previous = new Map([
      ["a", [0, 1]],
      ["b", [1, 2]],
    ]);
    const next = cooperativeStickyAssign(previous, ["a", "b"], 4);
    // Neither claimant keeps 1 by right; it goes back to the pool with the never-owned 3.
    expect(asObject(next)).toEqual({ a: [0, 1], b: [2, 3] });
    expect(diffAssignments(previous, next)).toEqual({ moved: [1], revoked: [1] });
  });

  it("ignores previous ownership of partitions that no longer exist", () => {
    const previous = new Map([
      ["a", [0, 5, 6]],
      ["b", [1, 2]],
    ]);
    expect(asObject(cooperativeStickyAssign(previous, ["a", "b"], 4))).toEqual({ a: [0, 3], b: [1, 2] });
  });

  it("hands a fully replaced group's partitions over without revocations", () => {
    const previous = new Map([
      ["old-1", [0, 1]],
      ["old-2", [2, 3]],
    ]);
    const next = cooperativeStickyAssign(previous, ["new-1", "new-2"], 4);
    expectBalancedCover(next, ["new-1", "new-2"], 4);
    expect(diffAssignments(previous, next)).toEqual({ moved: [0, 1, 2, 3], revoked: [] });
  });

  it("leaves surplus members idle when members outnumber partitions", () => {
    const previous = new Map([
      ["a", [0]],
      ["b", [1]],
    ]);
    const next = cooperativeStickyAssign(previous, ["a", "b", "c", "d"], 2);
    expect(asObject(next)).toEqual({ a: [0], b: [1], c: [], d: [] });
  });

  it("returns an empty map for an empty group and empty lists for an empty topic", () => {
    expect(cooperativeStickyAssign(new Map([["a", [0]]]), [], 3).size).toBe(0);
    expect(asObject(cooperativeStickyAssign(new Map([["a", [0]]]), ["a", "b"], 0))).toEqual({ a: [], b: [] });
    expect(() => cooperativeStickyAssign(new Map(), ["a"], -2)).toThrow(RangeError);
  });

  it("does not depend on member order or on the previous map's insertion order", () => {
    const forward = new Map([
      ["a", [5, 0, 3]],
      ["b", [1, 4]],
      ["gone", [2, 6]],
    ]);
    const backward = new Map([...forward.entries()].reverse());
    const x = cooperativeStickyAssign(forward, ["a", "b", "c"], 8);
    const y = cooperativeStickyAssign(backward, ["c", "b", "a", "b"], 8);
    expect([...y.entries()]).toEqual([...x.entries()]);
  });

  it("stays balanced and moves the provable minimum through random joins, leaves and resizes", () => {
    const rng = seedrandom.alea("cooperative-sticky-property");
    const pool = Array.from({ length: 10 }, (_, i) => `member-${i}`);

    for (let run = 0; run < 60; run++) {
      let partitions = 1 + Math.floor(rng() * 30);
      let members = pool.filter(() => rng() < 0.5);
      let previous: Assignment = new Map();

      for (let step = 0; step < 15; step++) {
        // Occasionally feed garbage (double claims, departed ids, out-of-range numbers) to check
        // that the guarantees do not rely on a well-formed previous assignment.
        if (rng() < 0.15) previous = randomClaims(rng, [...pool, "ghost"], partitions + 3);
        members = pool.filter((m) => (members.includes(m) ? rng() < 0.8 : rng() < 0.2));
        if (rng() < 0.2) partitions = Math.max(0, partitions + Math.floor(rng() * 9) - 4);

        const next = cooperativeStickyAssign(previous, members, partitions);
        expectBalancedCover(next, members, partitions);
        if (members.length > 0) {
          expectMaximallySticky(previous, next, members, partitions);
        }
        previous = next;
      }
    }
  });
});

describe("diffAssignments", () => {
  it("separates partitions revoked from live members from those orphaned by departed ones", () => {
    const previous = new Map([
      ["a", [0, 1, 2]],
      ["b", [3, 4]],
      ["gone", [5]],
    ]);
    const next = new Map([
      ["a", [0, 1]],
      ["b", [3, 4, 5]],
      ["c", [2]],
    ]);
    expect(diffAssignments(previous, next)).toEqual({ moved: [2, 5], revoked: [2] });
  });

  it("does not count partitions that appear only on one side", () => {
    expect(diffAssignments(new Map([["a", [0, 9]]]), new Map([["a", [0, 1]]]))).toEqual({ moved: [], revoked: [] });
  });
});

function randomClaims(rng: () => number, ids: readonly string[], upTo: number): Assignment {
  const claims: Assignment = new Map();
  for (const id of ids) {
    if (rng() < 0.4) continue;
    const list: number[] = [];
    for (let p = 0; p < upTo; p++) if (rng() < 0.25) list.push(p);
    claims.set(id, list);
  }
  return claims;
}

/**
 * Checks stickiness against bounds derived independently of the implementation: each live member
 * keeps min(owned, final size) of what it exclusively owned, and the number of moved partitions
 * equals the lower bound that holds for every balanced assignment.
 */
function expectMaximallySticky(
  previous: Assignment,
  next: Assignment,
  members: readonly string[],
  partitions: number,
): void {
  const claimants = new Map<number, string[]>();
  for (const [id, list] of previous) {
    for (const p of new Set(list)) {
      if (p < 0 || p >= partitions) continue;
      claimants.set(p, [...(claimants.get(p) ?? []), id]);
    }
  }
  const exclusive = new Map<string, number[]>(members.map((m) => [m, []]));
  for (const [p, ids] of claimants) {
    const only = ids.length === 1 ? ids[0]! : undefined;
    if (only !== undefined && exclusive.has(only)) exclusive.get(only)!.push(p);
  }

  for (const [member, mine] of exclusive) {
    const now = new Set(next.get(member));
    const kept = mine.filter((p) => now.has(p)).length;
    expect(kept, `${member} kept too little`).toBe(Math.min(mine.length, now.size));
  }

  // Best possible: grant the P % C ceil slots to the members owning the most, then count what
  // each member could keep. Every claimed partition not kept that way must move in any balanced result.
  const c = members.length;
  const base = Math.floor(partitions / c);
  const owned = [...exclusive.values()].map((l) => l.length).sort((a, b) => b - a);
  const maxKept = owned.reduce((sum, n, i) => sum + Math.min(n, i < partitions % c ? base + 1 : base), 0);
  expect(diffAssignments(previous, next).moved.length).toBe(claimants.size - maxKept);

  const diff = diffAssignments(previous, next);
  for (const p of diff.revoked) {
    expect(diff.moved).toContain(p);
    expect((claimants.get(p) ?? []).some((id) => members.includes(id))).toBe(true);
  }
}
