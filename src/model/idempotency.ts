/**
 * How a consumer group avoids repeating side effects when a message arrives
 * more than once. One guard per group: its store is shared by the group's
 * instances, like a table in the group's database.
 */
export type Idempotency =
  | { strategy: "none" }
  /** Processed ids recorded after the side effect: a crash between the two repeats the effect. */
  | { strategy: "dedup-store"; ttl: number | null; capacity: number | null }
  /** Side effect and processed id commit atomically (an inbox table): no window. */
  | { strategy: "transactional" }
  /** The effect is idempotent by construction (an upsert): applying it again changes nothing. */
  | { strategy: "natural" };

export class IdempotencyGuard {
  /** message id → when it was recorded; a Map keeps insertion order for oldest-first eviction. */
  private readonly store = new Map<number, number>();

  /** Whether recording happens in the same step as the side effect. */
  readonly recordsAtomically: boolean;
  /** Whether this strategy records processed ids at all. */
  readonly records: boolean;
  /** Whether applying the effect again counts as a repeated side effect. */
  readonly repeatsMatter: boolean;

  constructor(readonly spec: Idempotency) {
    this.recordsAtomically = spec.strategy === "transactional";
    this.records = spec.strategy === "dedup-store" || spec.strategy === "transactional";
    this.repeatsMatter = spec.strategy !== "natural";
  }

  /** True when the store shows the message as already processed, so the effect must be skipped. */
  alreadyProcessed(message: number, now: number): boolean {
    if (!this.records) return false;
    const recordedAt = this.store.get(message);
    if (recordedAt === undefined) return false;
    if (this.spec.strategy === "dedup-store" && this.spec.ttl !== null && now - recordedAt >= this.spec.ttl) {
      this.store.delete(message);
      return false;
    }
    return true;
  }

  record(message: number, now: number): void {
    this.store.delete(message);
    this.store.set(message, now);
    const capacity = this.spec.strategy === "dedup-store" ? this.spec.capacity : null;
    if (capacity !== null && this.store.size > capacity) {
      const oldest = this.store.keys().next().value as number;
      this.store.delete(oldest);
    }
  }
}
