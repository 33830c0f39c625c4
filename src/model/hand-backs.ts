import { IntMap } from "./int-map.js";
import type { Link } from "./network.js";

/** The broker's end of a broker-delayed retry (`Broker.retryLater`). */
export interface RetryLaterSide {
  retryLater?(delivery: number, delayMicros: number): void;
}

/**
 * A consumer's broker-delayed retries on their way to the broker (`retry: {via: broker}`): the delivery
 * travels over the consumer's link like a nack, and its delay waits here, keyed by the delivery (ids are
 * never reused), until it arrives. A hand-back a lossy link drops leaves its entry behind; the broker's own
 * timeout returns the message, as for a lost nack.
 */
export class HandBacks {
  /** Delivery → its delay: an IntMap (handles stay below 2^31), where a Map allocated as entries came and went. */
  private readonly delays = new IntMap();

  constructor(private readonly broker: RetryLaterSide) {}

  send(link: Link, delivery: number, delayMicros: number): void {
    this.delays.set(delivery, delayMicros);
    link.send(this.arrives, delivery);
  }

  private readonly arrives = (delivery: number): void => {
    const delay = this.delays.get(delivery);
    // A second copy a duplicating link made: the broker settled the delivery with the first, so it is stale.
    if (delay === undefined) return;
    this.delays.delete(delivery);
    if (this.broker.retryLater === undefined) throw new Error("invariant: retry via a broker without retryLater");
    this.broker.retryLater(delivery, delay);
  };
}
