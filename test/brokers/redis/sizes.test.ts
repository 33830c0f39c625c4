// Proves the memory sizes the Redis profiles charge against maxmemory: jemalloc size classes, listpack encodings, quicklist node packing, matched to used_memory figures read from a real 7.0.15 server.
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
