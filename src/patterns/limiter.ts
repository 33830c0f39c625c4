/** A rate limiter's settings, normalized (rates per µs, windows in µs). */
export type LimiterSpec =
  /** Tokens refill at `ratePerSecond` up to `burst`; each message takes one (Guava RateLimiter, Bucket4j). */
  | { type: "token-bucket"; ratePerSecond: number; burst: number; scope: LimiterScope }
  /** At most `limit` per window of `window` µs, windows aligned to time 0 (BullMQ's queue limiter: max per duration). */
  | { type: "fixed-window"; limit: number; window: number; scope: LimiterScope }
  /** At most `limit` in any `window` µs (a sliding log, as Resilience4j's RateLimiter refreshes per period, but exact). */
  | { type: "sliding-window"; limit: number; window: number; scope: LimiterScope };

/** Who shares one limiter: the whole group, each instance on its own, or each message key. */
export type LimiterScope = "group" | "instance" | "key";

/** What a group's limiters did: plain numbers for summary.json. */
export interface LimiterFigures {
  /** Permits handed out (one per delivery processed through the limiter). */
  acquired: number;
  /** Permits that made their delivery wait. */
  delayed: number;
  delayMicros: number;
  maxDelayMicros: number;
}

export function emptyLimiterFigures(): LimiterFigures {
  return { acquired: 0, delayed: 0, delayMicros: 0, maxDelayMicros: 0 };
}

/** A producer's limiter figures: a group's, and the backlog of messages its instances held waiting for permits. */
export interface PublishLimiterFigures extends LimiterFigures {
  /** Messages the producer's instances hold waiting for a permit now, and the most they held at once. */
  waiting: number;
  maxWaiting: number;
}

export function emptyPublishLimiterFigures(): PublishLimiterFigures {
  return { ...emptyLimiterFigures(), waiting: 0, maxWaiting: 0 };
}

/** Counts one permit handed out after a wait of `wait` µs (0: at once). */
export function countPermit(figures: LimiterFigures, wait: number): void {
  figures.acquired++;
  if (wait === 0) return;
  figures.delayed++;
  figures.delayMicros += wait;
  if (wait > figures.maxDelayMicros) figures.maxDelayMicros = wait;
}

/**
 * One limiter. `reserve(now)` hands out the next permit and says how long
 * (µs) its holder waits for it; permits are granted in the order asked for,
 * and a waiting permit is reserved at once (as Guava's RateLimiter.acquire
 * does), so the long-run rate is exactly the limit.
 */
export interface Limiter {
  reserve(now: number): number;
}

export function limiterFor(spec: LimiterSpec): Limiter {
  switch (spec.type) {
    case "token-bucket":
      return new TokenBucket(spec.ratePerSecond / 1e6, spec.burst);
    case "fixed-window":
      return new FixedWindow(spec.limit, spec.window);
    case "sliding-window":
      return new SlidingWindow(spec.limit, spec.window);
  }
}

class TokenBucket implements Limiter {
  private tokens: number;
  private updatedAt = 0;

  constructor(
    private readonly perMicro: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  reserve(now: number): number {
    if (now > this.updatedAt) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.updatedAt) * this.perMicro);
      this.updatedAt = now;
    }
    this.tokens -= 1;
    // A negative balance is permits already promised: this one comes when the bucket refills to zero.
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens / this.perMicro);
  }
}

class FixedWindow implements Limiter {
  private windowStart = 0;
  private used = 0;

  constructor(
    private readonly limit: number,
    private readonly window: number,
  ) {}

  reserve(now: number): number {
    if (now >= this.windowStart + this.window) {
      this.windowStart = Math.floor(now / this.window) * this.window;
      this.used = 0;
    }
    if (this.used === this.limit) {
      this.windowStart += this.window;
      this.used = 0;
    }
    this.used++;
    return Math.max(0, this.windowStart - now);
  }
}

class SlidingWindow implements Limiter {
  /** The last `limit` grant times, oldest at `head`. */
  private readonly grants: Float64Array;
  private head = 0;
  private count = 0;
  private last = 0;

  constructor(
    private readonly limit: number,
    private readonly window: number,
  ) {
    this.grants = new Float64Array(limit);
  }

  reserve(now: number): number {
    let at = Math.max(now, this.last);
    if (this.count === this.limit) {
      at = Math.max(at, this.grants[this.head]! + this.window);
      this.head = (this.head + 1) % this.limit;
      this.count--;
    }
    this.grants[(this.head + this.count) % this.limit] = at;
    this.count++;
    this.last = at;
    return at - now;
  }
}
