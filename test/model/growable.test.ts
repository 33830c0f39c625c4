// Proves the one growth rule the message-indexed tables share: same array while the index fits, doubled copies otherwise, new slots filled.
import { describe, expect, it } from "vitest";
import { withRoomFor } from "../../src/model/growable.js";

describe("withRoomFor", () => {
  it("returns the array itself while the index fits", () => {
    const array = new Int32Array(4);
    expect(withRoomFor(array, 3)).toBe(array);
  });

  it("doubles the length until the index fits, keeping values and type", () => {
    const grown = withRoomFor(Int32Array.of(7, 8), 5);
    expect(grown).toBeInstanceOf(Int32Array);
    expect([...grown]).toEqual([7, 8, 0, 0, 0, 0, 0, 0]);
  });

  it("fills only the new slots", () => {
    expect([...withRoomFor(Float64Array.of(1, 2), 2, -1)]).toEqual([1, 2, -1, -1]);
  });

  it("grows an empty array", () => {
    expect(withRoomFor(new Uint8Array(0), 0).length).toBe(1);
  });
});
