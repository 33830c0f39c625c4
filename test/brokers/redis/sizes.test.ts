// Proves the memory sizes the Redis profiles charge against maxmemory: jemalloc size classes, listpack encodings, quicklist node packing, matched to used_memory figures read from a real 7.0.15 server.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  listElementBytes,
  listpackIntegerBytes,
  listpackStringBytes,
  sizeClass,
  streamEntryBytes,
} from "../../../src/brokers/redis/sizes.js";

describe("Redis memory sizes", () => {
  it("rounds allocations up to jemalloc's size classes", () => {
    expect([1, 9, 24, 100, 129, 1011, 1030, 4066, 8039, 10000].map(sizeClass)).toEqual([
      8, 16, 32, 112, 160, 1024, 1280, 4096, 8192, 10240,
    ]);
  });

  it("gives every size up to 2^40 B the jemalloc class: four steps per doubling above 128 B", () => {
    // Reference without logarithms: the largest power of two below `bytes` sets the step (a quarter of it).
    const reference = (bytes: number) => {
      let group = 128;
      while (group * 2 < bytes) group *= 2;
      return Math.ceil(bytes / (group / 4)) * (group / 4);
    };
    const boundaries = Array.from({ length: 34 }, (_, k) => 2 ** (k + 7)).flatMap((p) => [p - 1, p, p + 1]);
    for (const bytes of boundaries) expect(sizeClass(bytes), `${bytes}`).toBe(reference(bytes));
    fc.assert(
      fc.property(fc.integer({ min: 129, max: 2 ** 40 }), (bytes) => sizeClass(bytes) === reference(bytes)),
      { seed: 12, numRuns: 2000 },
    );
  });

  it("answers listElementBytes the same whichever sizes were asked before it", () => {
    const first = [100, 1000, 9000].map(listElementBytes);
    expect([1000, 1000, 100, 9000, 100].map(listElementBytes)).toEqual([
      first[1],
      first[1],
      first[0],
      first[2],
      first[0],
    ]);
  });

  it("encodes listpack strings and integers as listpack.c does", () => {
    expect([1, 63, 64, 1000, 4095, 4096].map(listpackStringBytes)).toEqual([3, 65, 67, 1004, 4099, 4103]);
    expect([0, 127, 128, -1, 5000, 100000].map(listpackIntegerBytes)).toEqual([2, 2, 3, 3, 4, 5]);
  });

  it("charges a list element its share of a full 8 KB quicklist node (measured: 1,030 B and 104.1 B)", () => {
    // 1,000 B: 8 to a node, 8,039 B of listpack (class 8,192) plus 48 B of node.
    expect(listElementBytes(1000)).toBe(1030);
    // 100 B: 79 to a node, 8,144 B (class 8,192) plus 48: 104.3 B each.
    expect(listElementBytes(100)).toBe(104);
    // Too big to share a node: one listpack each.
    expect(listElementBytes(9000)).toBe(sizeClass(7 + 9008) + 48);
  });

  it("sizes a one-field stream entry (measured: 1,000-byte entries cost 1,031.6 B, four to a 4 KB node)", () => {
    expect(streamEntryBytes(1000, 0)).toBe(1012);
    expect((sizeClass(18 + 4 * 1012) + 30) / 4).toBeCloseTo(1031.5, 2);
  });
});
