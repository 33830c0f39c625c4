const WINDOW = 1_000_000;

/**
 * One API action's quota for one queue or partition: at most `limit` calls in
 * any one-second window (SQS's "transactions per second"). A call over the
 * quota is refused (ThrottlingException) and takes no room.
 */
class CallWindow {
  private readonly times: Float64Array;
  private head = 0;
  private count = 0;

  constructor(private readonly limit: number) {
    this.times = new Float64Array(limit);
  }

  take(now: number): boolean {
    const { times, limit } = this;
    const expired = now - WINDOW;
    // Wrapped by comparison: an integer % by a limit that is no power of two cost more than the rest of the call.
    while (this.count > 0 && times[this.head]! <= expired) {
      this.head = this.head + 1 === limit ? 0 : this.head + 1;
      this.count--;
    }
    if (this.count === limit) return false;
    const end = this.head + this.count;
    times[end >= limit ? end - limit : end] = now;
    this.count++;
    return true;
  }
}

/** An action's quota per bucket (a queue, or a queue's partition), each bucket created when first called. */
export class ActionQuota {
  private readonly windows: (CallWindow | undefined)[] = [];

  constructor(private readonly limit: number) {}

  /** Whether SQS takes one more call in `bucket` (a small index) now; false: the call is throttled. */
  take(bucket: number, now: number): boolean {
    let window = this.windows[bucket];
    if (window === undefined) {
      window = new CallWindow(this.limit);
      this.windows[bucket] = window;
    }
    return window.take(now);
  }
}
