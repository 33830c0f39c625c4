// Proves unit parsing turns durations into integer microseconds, rates into per-second and sizes into bytes, rejecting bad input, and formats durations.
import { describe, expect, it } from "vitest";
import {
  durationExpected,
  formatDuration,
  microsToMillis,
  parseDuration,
  parseRate,
  parseSize,
  rateExpected,
  sizeExpected,
} from "../../src/units/units.js";

describe("parseDuration", () => {
  it.each([
    ["250us", 250],
    ["250µs", 250],
    ["5ms", 5_000],
    ["2s", 2_000_000],
    ["1m", 60_000_000],
    ["2min", 120_000_000],
    ["1.5min", 90_000_000],
    ["1h", 3_600_000_000],
    ["0.5ms", 500],
    [".25s", 250_000],
    ["1.5us", 2], // rounded to whole microseconds
    ["0.0004ms", 0],
    ["1e3ms", 1_000_000],
    ["1E3ms", 1_000_000],
    ["2.5e-3s", 2_500],
    [" 5 ms ", 5_000],
    ["0s", 0],
    ["0", 0],
  ])("%j is %d us", (input, micros) => {
    expect(parseDuration(input)).toEqual({ ok: true, value: micros });
  });

  it("accepts a bare number 0", () => {
    expect(parseDuration(0)).toEqual({ ok: true, value: 0 });
  });

  it.each([
    ["a bare number", 5],
    ["a bare numeric string", "5"],
    ["a bare fraction", 0.5],
    ["an unknown unit", "5 parsecs"],
    ["a unit in the wrong case", "5MS"],
    ["seconds spelled out", "5 seconds"],
    ["a negative duration", "-5ms"],
    ["a negative zero string", "-0"],
    ["a missing number", "ms"],
    ["a trailing dot", "5.ms"],
    ["two quantities", "1s 5ms"],
    ["an empty string", ""],
    ["null", null],
    ["undefined", undefined],
    ["an object", { ms: 5 }],
  ])("rejects %s", (_what, input) => {
    expect(parseDuration(input)).toEqual({ ok: false, expected: durationExpected });
  });
});

describe("parseRate", () => {
  it.each([
    ["500/s", 500],
    ["500/sec", 500],
    ["2/ms", 2_000],
    ["0.5/s", 0.5],
    [" 10 / s ", 10],
    ["0/s", 0],
    ["1e3/s", 1_000],
  ])("%j is exactly %d per second", (input, perSecond) => {
    expect(parseRate(input)).toEqual({ ok: true, value: perSecond });
  });

  it.each([
    ["30000/min", 500],
    ["60/m", 1],
    ["3600/h", 1],
    ["90/min", 1.5],
  ])("%j is %d per second", (input, perSecond) => {
    const parsed = parseRate(input);
    expect(parsed.ok).toBe(true);
    // Per-minute and per-hour factors (1/60, 1/3600) are not exact in binary; allow rounding error.
    if (parsed.ok) expect(parsed.value).toBeCloseTo(perSecond, 9);
  });

  it.each([
    ["a bare number", 500],
    ["a bare numeric string", "500"],
    ["a missing period", "500/"],
    ["a missing count", "/s"],
    ["an unknown period", "500/parsec"],
    ["a negative rate", "-5/s"],
    ["a duration instead of a rate", "5s"],
    ["a period with its own count", "5/2s"],
    ["null", null],
  ])("rejects %s", (_what, input) => {
    expect(parseRate(input)).toEqual({ ok: false, expected: rateExpected });
  });
});

describe("parseSize", () => {
  it.each([
    ["512B", 512],
    ["1KB", 1_000],
    ["1KiB", 1_024],
    ["64KiB", 65_536],
    ["1MB", 1_000_000],
    ["1MiB", 1_048_576],
    ["2GB", 2_000_000_000],
    ["1GiB", 1_073_741_824],
    ["1.5KB", 1_500],
    ["0.5KiB", 512],
    ["1.5B", 2], // rounded to whole bytes
    [" 4 KB ", 4_000],
    ["0B", 0],
  ])("%j is %d bytes", (input, bytes) => {
    expect(parseSize(input)).toEqual({ ok: true, value: bytes });
  });

  it("accepts a bare non-negative integer as bytes", () => {
    expect(parseSize(1024)).toEqual({ ok: true, value: 1024 });
    expect(parseSize(0)).toEqual({ ok: true, value: 0 });
  });

  it.each([
    ["a fractional bare number", 1.5],
    ["a negative bare number", -1],
    ["a negative size", "-1KB"],
    ["a lower-case unit", "1kb"],
    ["an unknown unit", "1TB"],
    ["a unit without a number", "KB"],
    ["a duration", "5ms"],
    ["null", null],
  ])("rejects %s", (_what, input) => {
    expect(parseSize(input)).toEqual({ ok: false, expected: sizeExpected });
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0us"],
    [850, "850us"],
    [999, "999us"],
    [12.4, "12us"],
    [1_000, "1.00ms"],
    [1_234, "1.23ms"],
    [12_500, "12.5ms"],
    [150_000, "150ms"],
    [999_000, "999ms"],
    [1_000_000, "1.00s"],
    [3_200_000, "3.20s"],
    [65_000_000, "65.0s"],
    [3_600_000_000, "3600s"],
  ])("%d us is %j", (micros, text) => {
    expect(formatDuration(micros)).toBe(text);
  });
});

describe("microsToMillis", () => {
  it("converts to milliseconds at microsecond resolution", () => {
    expect(microsToMillis(1_500)).toBe(1.5);
    expect(microsToMillis(1_234.6)).toBe(1.235);
    expect(microsToMillis(0)).toBe(0);
  });
});
