import { type CronSchedule, nextCronTick } from "../units/cron.js";

/**
 * Recurring producers: a message on every tick of a fixed interval or a cron
 * expression, and what happens to the ticks that pass while the producer is
 * down. The policies are those real schedulers offer:
 * - `skip`: missed ticks are gone (cron, Quartz's DO_NOTHING misfire rule);
 * - `catchUp`: one message at restart for the latest missed tick (a Kubernetes CronJob within
 *   startingDeadlineSeconds, systemd's Persistent=true, Quartz's FIRE_ONCE_NOW, BullMQ's repeatable job,
 *   whose single next iteration waits in the delayed set);
 * - `all`: one message at restart for every missed tick, oldest first (Quartz's IGNORE_MISFIRE_POLICY).
 */
export type MissedTicks = "skip" | "catchUp" | "all";

export type TickSpec = { every: number; missed: MissedTicks } | { cron: CronSchedule; missed: MissedTicks };

/** The tick times of a schedule, in order: the first is the first after t = 0. */
export class TickClock {
  private last = 0;

  constructor(private readonly spec: TickSpec) {}

  /** Integer time (µs) of the next tick; Infinity when there is none. */
  next(): number {
    this.last = "every" in this.spec ? this.last + this.spec.every : nextCronTick(this.spec.cron, this.last);
    return this.last;
  }
}

/** How a recurring producer kept its schedule, summed over its instances. */
export interface ScheduleFigures {
  /** Ticks that came due before the producer stopped. */
  ticks: number;
  /** Messages published on their tick. */
  onTime: number;
  /** Ticks that passed while the producer was down. */
  missed: number;
  /** Missed ticks published at restart (catchUp, all). */
  caughtUp: number;
  /** Missed ticks never published (skip; catchUp for all but the latest). */
  skipped: number;
  /** Publish time minus tick time, over every published tick (µs). */
  latenessMaxMicros: number;
  latenessTotalMicros: number;
  /** Each published tick: when it was due and when it was published (µs), for the chart. */
  starts: { scheduled: number; actual: number }[];
}

/** Most ticks the chart keeps per producer: a schedule is slow by nature, this only bounds a mistaken one. */
const MAX_STARTS = 10_000;

export function emptyScheduleFigures(): ScheduleFigures {
  return {
    ticks: 0,
    onTime: 0,
    missed: 0,
    caughtUp: 0,
    skipped: 0,
    latenessMaxMicros: 0,
    latenessTotalMicros: 0,
    starts: [],
  };
}

/** One producer instance's account of its ticks: which were missed, and which to publish at restart. */
export class TickLedger {
  private missedSinceCrash: number[] = [];

  constructor(
    private readonly policy: MissedTicks,
    readonly figures: ScheduleFigures,
  ) {}

  /** A tick came due and the producer published it now. */
  published(scheduled: number, now: number): void {
    const { figures } = this;
    const lateness = now - scheduled;
    if (lateness === 0) figures.onTime++;
    else figures.caughtUp++;
    figures.latenessMaxMicros = Math.max(figures.latenessMaxMicros, lateness);
    figures.latenessTotalMicros += lateness;
    if (figures.starts.length < MAX_STARTS) figures.starts.push({ scheduled, actual: now });
  }

  /** A tick came due while the producer was down. */
  ticked(up: boolean, scheduled: number): void {
    this.figures.ticks++;
    if (up) return;
    this.figures.missed++;
    this.missedSinceCrash.push(scheduled);
  }

  /** The producer is back: the tick times it publishes now, by its policy; the rest are skipped. */
  dueAtRestart(): number[] {
    const missed = this.missedSinceCrash;
    this.missedSinceCrash = [];
    const kept = this.policy === "all" ? missed : this.policy === "catchUp" ? missed.slice(-1) : [];
    this.figures.skipped += missed.length - kept.length;
    return kept;
  }
}

/** A recurring producer's figures in summary.json (docs/output.md, `schedules`), also what expect.schedules bounds. */
export interface ScheduleSummary {
  ticks: number;
  onTime: number;
  missed: number;
  caughtUp: number;
  skipped: number;
  /** Publish time minus tick time over the published ticks: the start lateness. */
  latenessMsMax: number;
  latenessMsMean: number;
}

export const scheduleFigureNames = [
  "ticks",
  "onTime",
  "missed",
  "caughtUp",
  "skipped",
  "latenessMsMax",
  "latenessMsMean",
] as const satisfies readonly (keyof ScheduleSummary)[];

export function scheduleSummaryOf(f: ScheduleFigures): ScheduleSummary {
  const published = f.onTime + f.caughtUp;
  return {
    ticks: f.ticks,
    onTime: f.onTime,
    missed: f.missed,
    caughtUp: f.caughtUp,
    skipped: f.skipped,
    latenessMsMax: Math.round(f.latenessMaxMicros) / 1000,
    latenessMsMean: published === 0 ? 0 : Math.round(f.latenessTotalMicros / published) / 1000,
  };
}
