import type { ConnectionLoss } from "../model/consumer.js";

/**
 * The contract between the generic model and a broker profile. Producers and
 * consumers only ever talk to a broker through these calls, so each profile
 * decides routing, dispatch, flow control, failure detection and redelivery by
 * its own rules.
 *
 * Re-entrancy. A hop over a zero-latency link (the default network) is a direct
 * call, not an event: `context.deliver` can run the consumer, which can finish
 * at once and call `ack` on this broker before `deliver` returns; a publish can
 * be confirmed, and the producer publish again, inside `publish`. A profile must
 * therefore:
 * - bring its own state up to date before it sends anything (deliver, accept,
 *   reject), so a call that comes back finds the state the send implies;
 * - expect any method to be entered again from inside its own sends, and never
 *   hold a loop index or a count across a send that a re-entrant call can change
 *   (re-read it after the send, or collect first and send after);
 * - when a re-entrant call would start the same work again (a dispatch loop
 *   re-entered by an ack), guard the work with a ReentryGuard (src/model/reentry.ts):
 *   the inner call defers to the running one, which does it once when it leaves.
 * The contract suite (test/brokers/contract.test.ts) runs every profile at zero
 * and at lognormal latency. Why direct calls and not events: docs/mechanisms.md,
 * "Zero-delay hops are calls".
 */
export interface Broker {
  /** A publish reached the broker: accept it (ctx.accept) or refuse it (ctx.reject). */
  publish(message: number): void;
  /** A consumer's ack reached the broker. The handle may be stale (the broker took the delivery back): ignore it then. */
  ack(delivery: number): void;
  /** A consumer reports that processing failed (a nack or reject). May be stale, like `ack`. */
  nack(delivery: number): void;
  /**
   * A consumer hands a failed delivery back to be delivered again to its own group after `delayMicros` (a
   * broker-delayed retry, `retry: {via: broker}`; SQS: ChangeMessageVisibility). Only profiles that declare
   * `brokerRetry` get it. May be stale, like `ack`.
   */
  retryLater?(delivery: number, delayMicros: number): void;
  /**
   * A consumer's heartbeat for a delivery it still holds reached the broker (SQS: ChangeMessageVisibility
   * from a heartbeating client). Only profiles that ask for heartbeats (`consumerHeartbeat`) get them.
   * May be stale, like `ack`.
   */
  heartbeat?(delivery: number): void;
  /**
   * A consumer instance crashed or was cut off, now. This is the ground truth; the profile
   * models when the broker notices (the socket closing, a heartbeat or session timeout, a
   * visibility timer, or never) and what happens to what the consumer held. `loss` says what
   * the broker's end of the connection sees.
   */
  consumerDown(consumer: number, loss: ConnectionLoss): void;
  /**
   * A consumer instance begins a clean stop (basic.cancel, no more polls or
   * reads): send it nothing new. What it holds stays with it until it closes.
   * Sent over its link, so acks it sent before arrive first.
   */
  consumerStopping(consumer: number): void;
  /**
   * A stopping consumer finished its work and closed its connection cleanly.
   * It has not restarted yet (a restart waits for this notice), so the open
   * deliveries of its current incarnation are what it handed back: received
   * and not started, or still on the wire. The broker knows at once (no
   * detection delay) and takes them back by its own rules.
   */
  consumerClosed(consumer: number): void;
  /** A crashed (or cleanly closed) consumer instance is running again, with nothing in hand. */
  consumerUp(consumer: number): void;
  /**
   * The broker crashed; what survives follows the profile's persistence settings and `failure`.
   * `node` (0-based) names one node of a cluster (only kafka models several); without it every node crashes.
   */
  crash(failure: BrokerFailure, node?: number): void;
  /** The broker process is back: one node, or every node without `node`. */
  restart(node?: number): void;
  /**
   * A DLQ redrive moves `message`, which `group` dead-lettered (the broker, or the application's
   * recoverer), back to the tail of the group's queue, as the real move does (SQS StartMessageMoveTask,
   * a RabbitMQ shovel from the dead-letter queue): same message id, so its next delivery is a
   * redelivery, and a delivery limit counts from the move. Returns false when the broker cannot take it
   * now (it is down): the message stays in the DLQ. Only profiles whose descriptor names a `redrive`
   * implement it; validation refuses a redrive elsewhere.
   */
  redrive?(message: number, group: number): boolean;
  /** Visits every (message, group) the broker still holds: queued or delivered and not settled. */
  forEachHeld(visit: (message: number, group: number) => void): void;
  /**
   * Asked by the retirement between events, in runs its profile lets retire (`retiresMessages`), before it
   * visits `forEachHeld`: the broker lets go of what it keeps only to read again and will not read again, and
   * returns the lowest message id it may still read or change besides those `forEachHeld` visits, or
   * +Infinity. Kafka: its logs from the lowest committed offset on, which a rebalance returns again.
   * Optional: only such profiles have it.
   */
  releaseRead?(): number;
  /**
   * Figures the profile can state about its broker at the end of a run, named as the real broker
   * reports them (Redis: INFO fields such as `rdb_changes_since_last_save`), for comparison with a
   * real server. Optional; not part of summary.json.
   */
  figures?(): Record<string, number>;
  /** A producer instance crashed (optional: only profiles with producer-side state, such as transactions, care). */
  producerDown?(producer: number): void;
  /** A crashed producer instance is running again. */
  producerUp?(producer: number): void;
}

/**
 * What a broker crash destroys:
 * - `process`: the broker process died (kill -9, an OOM kill); the operating system outlives it, so what
 *   the process had written to files survives even if it was never fsynced (it is in the page cache).
 * - `host`: the machine died (power loss, kernel panic): only what was fsynced to disk survives.
 */
export type BrokerFailure = "process" | "host";

import type { BrokerContext } from "../model/broker-context.js";

export type { BrokerContext, ConsumerSlot, RoutingTable } from "../model/broker-context.js";
export type { ConnectionLoss };

export type BrokerFactory<Settings> = (context: BrokerContext, settings: Settings) => Broker;
