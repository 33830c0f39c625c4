import type { MessageColumn, MessageTable } from "./messages.js";

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
  /**
   * When each message was recorded (NaN: not recorded), as a column of the message table: no allocation per
   * record, and the column's rows retire with the messages', whose ids can never come back. A dedup store with
   * a capacity evicts its oldest record first, which needs the order of records: it keeps them in a Map.
   */
  private readonly recordedAt: MessageColumn<Float64Array> | null;
  private readonly byAge: Map<number, number> | null;

  /** Whether recording happens in the same step as the side effect. */
  readonly recordsAtomically: boolean;
  /** Whether this strategy records processed ids at all. */
  readonly records: boolean;
  /** Whether applying the effect again counts as a repeated side effect. */
  readonly repeatsMatter: boolean;
  private readonly ttl: number | null;
  private readonly capacity: number | null;

  constructor(
    readonly spec: Idempotency,
    private readonly messages: MessageTable,
  ) {
    this.recordsAtomically = spec.strategy === "transactional";
    this.records = spec.strategy === "dedup-store" || spec.strategy === "transactional";
    this.repeatsMatter = spec.strategy !== "natural";
    this.ttl = spec.strategy === "dedup-store" ? spec.ttl : null;
    this.capacity = spec.strategy === "dedup-store" ? spec.capacity : null;
    this.byAge = this.records && this.capacity !== null ? new Map() : null;
    this.recordedAt =
      this.records && this.byAge === null ? messages.column((n) => new Float64Array(n), Number.NaN) : null;
  }

  /** True when the store shows the message as already processed, so the effect must be skipped. */
  alreadyProcessed(message: number, now: number): boolean {
    if (!this.records) return false;
    const recordedAt = this.recordedAtOf(message);
    if (recordedAt === undefined) return false;
    if (this.ttl !== null && now - recordedAt >= this.ttl) {
      this.forget(message);
      return false;
    }
    return true;
  }

  record(message: number, now: number): void {
    if (this.recordedAt !== null) {
      this.recordedAt.values[this.messages.slot(message)] = now;
      return;
    }
    const byAge = this.byAge!;
    byAge.delete(message);
    byAge.set(message, now);
    if (byAge.size > this.capacity!) byAge.delete(byAge.keys().next().value as number);
  }

  private recordedAtOf(message: number): number | undefined {
    if (this.recordedAt === null) return this.byAge!.get(message);
    const at = this.recordedAt.values[this.messages.slot(message)]!;
    return Number.isNaN(at) ? undefined : at;
  }

  private forget(message: number): void {
    if (this.recordedAt !== null) this.recordedAt.values[this.messages.slot(message)] = Number.NaN;
    else this.byAge!.delete(message);
  }
}
