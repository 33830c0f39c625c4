/**
 * Request-reply (docs/patterns.md#request-reply). The producer and consumer reach the run's requester
 * model only through these two narrow interfaces, built in src/run/requests.ts.
 */

/** A requester instance's side: it decides when each request is sent and resends it on a timeout. */
export interface RequestGate {
  /** The producer created request `message`: send it now, or when a slot of `maxOutstanding` frees. */
  created(message: number): void;
  /** The requester process died: what it waited for is forgotten, and its reply queue may die with it. */
  crashed(): void;
  restarted(): void;
  /** The lowest message id it may still send or resend (waiting for a slot, a reply, or a resend), or +Infinity. */
  oldestHeld(): number;
}

/** How a requester hands a request to its producer: as if the application called publish now. */
export type RequestSend = (message: number) => void;

/** A responder's side: the consumer processed a message (or found it already processed) and replies. */
export interface ReplySender {
  /**
   * Consumer `consumer` applied the side effect of `message` (`absorbed` false), or its dedup store showed it
   * already processed (`absorbed` true: the stored reply is sent again, nothing is executed).
   */
  replied(message: number, consumer: number, absorbed: boolean): void;
}
