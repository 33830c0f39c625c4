// Proves the 5-field cron parser over simulated time (t = 0 is Thursday 1970-01-01 00:00 UTC): exact tick times for steps, ranges, lists and day rules, and a clear message for an expression that is wrong or never fires.
import { describe, expect, it } from "vitest";
import { type CronSchedule, nextCronTick, parseCron } from "../../src/units/cron.js";

const MINUTE = 60_000_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function schedule(expression: string): CronSchedule {
  const parsed = parseCron(expression);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
}

/** The first `count` ticks after t = 0. */
function ticks(expression: string, count: number): number[] {
  const cron = schedule(expression);
  const times: number[] = [];
  let last = 0;
  for (let i = 0; i < count; i++) {
    last = nextCronTick(cron, last);
    times.push(last);
  }
  return times;
}

describe("cron expressions", () => {
  it("ticks every fifth minute, the first strictly after t = 0", () => {
    expect(ticks("*/5 * * * *", 3)).toEqual([5 * MINUTE, 10 * MINUTE, 15 * MINUTE]);
  });

  it("reads ranges, lists and stepped ranges", () => {
    expect(ticks("0,30 9-10 * * *", 5)).toEqual([
      9 * HOUR,
      9 * HOUR + 30 * MINUTE,
      10 * HOUR,
      10 * HOUR + 30 * MINUTE,
      DAY + 9 * HOUR,
    ]);
    expect(ticks("10-30/10 0 * * *", 3)).toEqual([10 * MINUTE, 20 * MINUTE, 30 * MINUTE]);
  });

  it("knows t = 0 is a Thursday: weekdays skip the weekend, and 7 is Sunday like 0", () => {
    // Thu 1 Jan, Fri 2 Jan, then Mon 5 Jan 1970.
    expect(ticks("0 9 * * 1-5", 3)).toEqual([9 * HOUR, DAY + 9 * HOUR, 4 * DAY + 9 * HOUR]);
    expect(ticks("30 2 * * 7", 1)).toEqual([3 * DAY + 2 * HOUR + 30 * MINUTE]);
  });

  it("matches either day field when both are restricted, as cron does", () => {
    // The 13th of the month or a Friday: Friday 2 January comes first, then Friday 9, then Tuesday 13.
    expect(ticks("0 0 13 * 5", 3)).toEqual([DAY, 8 * DAY, 12 * DAY]);
  });

  it("says what is wrong with a bad expression, and refuses one that never fires", () => {
    expect(parseCron("*/5 * * *")).toBe(
      "a cron expression has 5 fields (minute hour day-of-month month day-of-week), found 4",
    );
    expect(parseCron("61 * * * *")).toBe('minute "61": values must lie in 0-59, a range from low to high');
    expect(parseCron("0 0 30 2 *")).toBe("this expression never fires (no such date)");
    expect(parseCron("MON * * * *")).toContain("expected *, a number");
  });
});
