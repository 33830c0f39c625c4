/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week) over
 * simulated time, as Vixie cron reads them: `*`, numbers, ranges `a-b`, lists
 * `a,b`, steps `*\/n` and `a-b/n`; day of week 0-7 with 0 and 7 both Sunday;
 * when both day fields are restricted a day matches either (cron's OR rule).
 * Simulated time 0 is 1970-01-01 00:00 UTC, a Thursday. None of queuesim's
 * libraries parses cron (BullMQ's dependency cron-parser is not one of them),
 * and five fields over UTC need little code.
 */
export interface CronSchedule {
  minutes: readonly boolean[];
  hours: readonly boolean[];
  days: readonly boolean[];
  months: readonly boolean[];
  weekdays: readonly boolean[];
  /** Whether day of month and day of week were both restricted (then either matches). */
  eitherDay: boolean;
}

const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
] as const;

/** Parses a cron expression, or says what is wrong with it. */
export function parseCron(expression: string): CronSchedule | string {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5)
    return `a cron expression has 5 fields (minute hour day-of-month month day-of-week), found ${parts.length}`;
  const sets: boolean[][] = [];
  for (const [index, field] of FIELDS.entries()) {
    const set = parseField(parts[index]!, field);
    if (typeof set === "string") return `${field.name} "${parts[index]}": ${set}`;
    sets.push(set);
  }
  const weekdays = sets[4]!;
  if (weekdays[7]) weekdays[0] = true;
  const schedule: CronSchedule = {
    minutes: sets[0]!,
    hours: sets[1]!,
    days: sets[2]!,
    months: sets[3]!,
    weekdays: weekdays.slice(0, 7),
    eitherDay: !parts[2]!.startsWith("*") && !parts[4]!.startsWith("*"),
  };
  if (nextCronTick(schedule, 0) === Number.POSITIVE_INFINITY) return "this expression never fires (no such date)";
  return schedule;
}

function parseField(text: string, field: { min: number; max: number }): boolean[] | string {
  const set = new Array<boolean>(field.max + 1).fill(false);
  for (const item of text.split(",")) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (match === null) return "expected *, a number, a range a-b or a list, each with an optional /step";
    const [, whole, first, last, stepText] = match;
    const from = whole === "*" ? field.min : Number(first);
    const to = whole === "*" ? field.max : last !== undefined ? Number(last) : stepText ? field.max : from;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (from < field.min || to > field.max || from > to)
      return `values must lie in ${field.min}-${field.max}, a range from low to high`;
    if (step < 1) return "a step must be at least 1";
    for (let value = from; value <= to; value += step) set[value] = true;
  }
  return set;
}

const MINUTE_MICROS = 60_000_000;
/** Five years of days: beyond it an expression is taken never to fire (every valid date recurs within four). */
const SEARCH_DAYS = 5 * 366;

/** The first time strictly after `after` (µs) at which the schedule fires; Infinity if it never does. */
export function nextCronTick(schedule: CronSchedule, after: number): number {
  let minute = Math.floor(after / MINUTE_MICROS) + 1;
  const limit = minute + SEARCH_DAYS * 1440;
  while (minute < limit) {
    const date = new Date(minute * 60_000);
    if (!schedule.months[date.getUTCMonth() + 1] || !dayMatches(schedule, date)) {
      minute = (Math.floor(minute / 1440) + 1) * 1440;
      continue;
    }
    if (!schedule.hours[date.getUTCHours()]) {
      minute = (Math.floor(minute / 60) + 1) * 60;
      continue;
    }
    if (schedule.minutes[date.getUTCMinutes()]) return minute * MINUTE_MICROS;
    minute++;
  }
  return Number.POSITIVE_INFINITY;
}

function dayMatches(schedule: CronSchedule, date: Date): boolean {
  const byDay = schedule.days[date.getUTCDate()]!;
  const byWeekday = schedule.weekdays[date.getUTCDay()]!;
  return schedule.eitherDay ? byDay || byWeekday : byDay && byWeekday;
}
