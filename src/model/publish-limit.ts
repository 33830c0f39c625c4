/**
 * A client-side rate limit in front of a producer's publish call (Guava's
 * RateLimiter or Bucket4j before `send()`, BullMQ's queue limiter as the
 * producer meets it): the limiter itself lives in src/patterns, and the
 * producer sees only this. A producer without a `rateLimit:` has none and
 * sends each message as it is created, at no cost.
 *
 * The producer asks for a permit when it creates a message and holds the
 * message until the permit comes; the message's latency clock has started
 * at creation, so the wait counts. Messages waiting for a permit are the
 * client's backlog: the producer reports how many it holds as they come
 * and go, so the run can report the peak.
 */
export interface PublishLimit {
  /** Reserves the permit for `message`, created at `now`: the µs its publish waits for it (0: at once). */
  reserve(message: number, now: number): number;
  /** The instance now holds `change` more (or fewer) messages waiting for their permits. */
  waitingChanged(change: number): void;
  /**
   * The producer process restarted after a crash: a limiter of its own (in-process, as Guava's) starts
   * afresh; a shared one (in Redis, say) keeps its state, and the permits the dead process reserved stay spent.
   */
  restarted(): void;
}
