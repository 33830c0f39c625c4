/**
 * Quantities with units, as users write them in scenario files.
 *
 * Durations become integer microseconds (the engine's clock unit), rates become
 * events per second, sizes become bytes. KB/MB/GB are decimal (1KB = 1000 B)
 * and KiB/MiB/GiB binary, as in the SI and IEC standards.
 */
export type Parsed = { ok: true; value: number } | { ok: false; expected: string };

const DURATION_UNITS: Record<string, number> = {
  us: 1,
  µs: 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  min: 60_000_000,
  h: 3_600_000_000,
};

const RATE_PERIODS: Record<string, number> = {
  s: 1,
  sec: 1,
  ms: 1_000,
  m: 1 / 60,
  min: 1 / 60,
  h: 1 / 3600,
};

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

const NUMBER = String.raw`(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+)`;
const QUANTITY = new RegExp(String.raw`^\s*${NUMBER}\s*([a-zA-Zµ]+)\s*$`);
const RATE = new RegExp(String.raw`^\s*${NUMBER}\s*/\s*([a-zA-Z]+)\s*$`);

export const durationExpected = "a duration with a unit, like 250us, 5ms, 2s, 1.5min or 1h";
export const rateExpected = "a rate like 500/s, 30000/min or 2/ms";
export const sizeExpected = "a size like 512B, 1KB, 64KiB or 1MB";

/**
 * Limits on every quantity a scenario gives (docs/scenarios.md, "Limits on numbers").
 * Ten years in microseconds (3.15e14) is an exact integer in a double with room to
 * add delays to the clock; a petabyte likewise. A rate above one per microsecond
 * cannot be told apart on a microsecond clock; below one per ten years none arrives.
 */
export const MAX_DURATION_US = 10 * 365 * 24 * 3_600_000_000;
export const MAX_SIZE_BYTES = 1e15;
export const MAX_RATE_PER_SECOND = 1_000_000;
export const MIN_RATE_PER_SECOND = 1_000_000 / MAX_DURATION_US;

export const durationTooLong = "a duration of at most 87600h (10 years)";
export const sizeTooLarge = "a size of at most 1000000GB (1 PB)";
export const rateOutOfRange = "0/s, or a rate between 1 per 10 years and 1000000/s (one per microsecond)";

/** A duration in integer microseconds; a bare 0 is accepted, other bare numbers are not. */
export function parseDuration(input: unknown): Parsed {
  if (input === 0 || input === "0") return { ok: true, value: 0 };
  const match = typeof input === "string" ? QUANTITY.exec(input) : null;
  const scale = match ? DURATION_UNITS[match[2]!] : undefined;
  if (!match || scale === undefined) return { ok: false, expected: durationExpected };
  return within(Math.round(Number(match[1]) * scale), MAX_DURATION_US, durationTooLong);
}

/** A rate in events per second. */
export function parseRate(input: unknown): Parsed {
  const match = typeof input === "string" ? RATE.exec(input) : null;
  const perSecond = match ? RATE_PERIODS[match[2]!] : undefined;
  if (!match || perSecond === undefined) return { ok: false, expected: rateExpected };
  const value = Number(match[1]) * perSecond;
  if (value !== 0 && !(value >= MIN_RATE_PER_SECOND && value <= MAX_RATE_PER_SECOND)) {
    return { ok: false, expected: rateOutOfRange };
  }
  return { ok: true, value };
}

/** A size in bytes; a bare integer counts as bytes. */
export function parseSize(input: unknown): Parsed {
  if (typeof input === "number" && Number.isInteger(input) && input >= 0) {
    return within(input, MAX_SIZE_BYTES, sizeTooLarge);
  }
  const match = typeof input === "string" ? QUANTITY.exec(input) : null;
  const scale = match ? SIZE_UNITS[match[2]!] : undefined;
  if (!match || scale === undefined) return { ok: false, expected: sizeExpected };
  return within(Math.round(Number(match[1]) * scale), MAX_SIZE_BYTES, sizeTooLarge);
}

/** A converted quantity is kept only if it is an exact integer no larger than its kind's limit ("1e400ms" is not). */
function within(value: number, limit: number, tooLarge: string): Parsed {
  return Number.isSafeInteger(value) && value <= limit ? { ok: true, value } : { ok: false, expected: tooLarge };
}

/** Milliseconds with microsecond resolution, for reports. */
export function microsToMillis(micros: number): number {
  return Math.round(micros) / 1000;
}

/** A compact human form of a duration, for terminal output: 850us, 12.5ms, 3.20s. */
export function formatDuration(micros: number): string {
  if (Math.round(micros) < 1000) return `${Math.round(micros)}us`;
  const millis = trim(micros / 1000);
  if (Number(millis) < 1000) return `${millis}ms`;
  return `${trim(micros / 1_000_000)}s`;
}

/** Three significant digits, at least. */
function trim(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}
