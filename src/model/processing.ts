/**
 * What a consumer does with a message between receiving it and settling it,
 * when the scenario spells that out as steps (local work, calls to
 * dependencies, retries): the application's processing, which lives in
 * src/patterns. A consumer without steps never sees this and runs its
 * one-draw processing as before, at no cost.
 *
 * The consumer hands a slot (one delivery it holds) to `begin`; the plan
 * calls back `completed` when processing succeeded, or `gaveUp` with what
 * the application does with the message after its last attempt. A crash
 * abandons the slot: the plan cancels what it scheduled for it and ignores
 * any answer that still arrives for it.
 */
export interface ProcessingPlan {
  begin(slot: number, message: number): void;
  abandon(slot: number): void;
}

/**
 * What the application does with a message it gave up on:
 * - `nack`: hands it back to the broker (the broker's own redelivery and delivery limits apply);
 * - `dead-letter`: publishes it to a dead-letter queue and acks the original (Spring Kafka's
 *   DeadLetterPublishingRecoverer, BullMQ's failed set);
 * - `drop`: logs and acks it; the message is gone;
 * - `park`: moves it to a parking-lot queue for a person to look at, and acks it.
 */
export type GiveUp = "nack" | "dead-letter" | "drop" | "park";

/** The consumer, as a processing plan sees it. */
export interface ProcessingHost {
  /** The consumer instance's index, for dependencies that count per caller. */
  readonly consumer: number;
  /** The consumer's slowdown factor now (a slow-consumer fault stretches local work). */
  readonly slowdown: number;
  /** The consumer life (incarnation) that holds the slot's message: the life a call made for it applies the effect as. */
  lifeOf(slot: number): number;
  /**
   * Applies `message`'s side effect as this consumer's life `life`: a dependency does when it gets to the
   * effect of a call, perhaps after the consumer has moved on.
   */
  applyEffect(message: number, life: number): void;
  /** Processing succeeded; `effectApplied`: a dependency call already carried the side effect. */
  completed(slot: number, effectApplied: boolean): void;
  gaveUp(slot: number, how: GiveUp, reason: string): void;
  /** The broker's delivery count of the slot's message for this group (1 on the first): its receive count. */
  receiveCount(slot: number): number;
  /** Hands the slot's message back to the broker, to be delivered again after `delayMicros` (`retry: {via: broker}`). */
  retryLater(slot: number, delayMicros: number): void;
  /** An attempt failed (`why`); the next comes in `retryIn` µs, or null: the policy gives up. For the trace. */
  attemptFailed(slot: number, attempt: number, why: string, retryIn: number | null): void;
}

/** Where a consumer's dead-lettered, dropped and parked messages are accounted (the Bookkeeper). */
export interface GiveUpSink {
  deadLetter(message: number, group: number, reason: string): void;
  drop(message: number, group: number, reason: string): void;
}
