import type { ConsumerSlot } from "../broker.js";

/**
 * When each queue's stalled-job check runs. Every live worker runs moveStalledJobsToWait when it starts
 * and then every `stalledInterval` (worker.js, stalledChecker); the script returns at once while the
 * queue's stalled-check key, set with PX stalledInterval by the last check, exists. So a check runs at
 * the first worker tick at least one interval after the last check, and from then on every interval
 * while that worker lives. Nothing runs while Redis is down.
 *
 * A check changes something only for a job whose lock can run out (its worker is gone), so the clock
 * works the checks out from the workers' ticks instead of simulating each one: a run with no such job
 * has no timer going. The broker brings a queue's clock up to date before a worker starts or stops.
 */
export class StalledCheckClock {
  /** Per consumer: when its worker started (its ticks are startedAt + k x interval), or NaN while down. */
  private readonly startedAt: Float64Array;
  private readonly last: Float64Array;
  private readonly previous: Float64Array;
  private readonly notBefore: Float64Array;
  private redisUp = true;

  constructor(
    private readonly consumers: readonly ConsumerSlot[],
    groups: number,
    private readonly interval: number,
  ) {
    this.startedAt = new Float64Array(consumers.length);
    this.last = new Float64Array(groups).fill(Number.NEGATIVE_INFINITY);
    this.previous = new Float64Array(groups).fill(Number.NEGATIVE_INFINITY);
    this.notBefore = new Float64Array(groups);
  }

  /** The last check that ran (before the time the clock was last brought up to). */
  lastCheck(group: number): number {
    return this.last[group]!;
  }

  /** The check before the last one: a job active then and not renewed since is in the stalled set. */
  previousCheck(group: number): number {
    return this.previous[group]!;
  }

  workerUp(consumer: number, now: number): void {
    this.advance(this.consumers[consumer]!.group, now);
    this.startedAt[consumer] = now;
  }

  workerDown(consumer: number, now: number): void {
    this.advance(this.consumers[consumer]!.group, now);
    this.startedAt[consumer] = Number.NaN;
  }

  redisDown(now: number): void {
    for (let group = 0; group < this.last.length; group++) this.advance(group, now);
    this.redisUp = false;
  }

  redisBack(now: number): void {
    this.redisUp = true;
    this.notBefore.fill(now);
  }

  /** Records the checks that ran before `now` (not one due at `now` itself). */
  advance(group: number, now: number): void {
    const interval = this.interval;
    for (;;) {
      const next = this.next(group);
      if (!(next < now)) return;
      const last = this.last[group]!;
      if (next === last + interval) {
        // The worker that ran the last check ticks every interval from it: jump to the last check before now.
        const steps = Math.ceil((now - last) / interval) - 1;
        this.previous[group] = last + (steps - 1) * interval;
        this.last[group] = last + steps * interval;
        return;
      }
      this.ran(group, next);
    }
  }

  /** When the queue's next check runs, or Infinity when no worker is up (or Redis is down). */
  next(group: number): number {
    if (!this.redisUp) return Number.POSITIVE_INFINITY;
    const from = Math.max(this.last[group]! + this.interval, this.notBefore[group]!);
    let soonest = Number.POSITIVE_INFINITY;
    this.consumers.forEach((slot, consumer) => {
      const start = this.startedAt[consumer]!;
      if (slot.group !== group || Number.isNaN(start)) return;
      const tick = from <= start ? start : start + Math.ceil((from - start) / this.interval) * this.interval;
      if (tick < soonest) soonest = tick;
    });
    return soonest;
  }

  /** A check ran at `now`. */
  ran(group: number, now: number): void {
    this.previous[group] = this.last[group]!;
    this.last[group] = now;
  }
}
