import type { Simulation } from "../engine/simulation.js";
import type { ConnectionLoss } from "../model/consumer.js";
import type { DeliveryTable } from "../model/deliveries.js";
import type { EffectLedger } from "../model/effects.js";
import type { MessageTable } from "../model/messages.js";
import type { RunObserver } from "../model/observer.js";
import type { PublisherGate } from "../model/publisher-gate.js";
import type { Rng } from "../random/streams.js";

/**
 * The contract between the generic model and a broker profile. Producers and
 * consumers only ever talk to a broker through these calls, so each profile
 * decides routing, dispatch, flow control, failure detection and redelivery by
 * its own rules.
 */
export interface Broker {
  /** A publish reached the broker: accept it (ctx.accept) or refuse it (ctx.reject). */
  publish(message: number): void;
  /** A consumer's ack reached the broker. The handle may be stale (the broker took the delivery back): ignore it then. */
  ack(delivery: number): void;
  /** A consumer reports that processing failed (a nack or reject). May be stale, like `ack`. */
  nack(delivery: number): void;
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
  /** Visits every (message, group) the broker still holds: queued or delivered and not settled. */
  forEachHeld(visit: (message: number, group: number) => void): void;
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

export type { ConnectionLoss };

export interface ConsumerSlot {
  /** Consumer index, as in the scenario's expansion of groups into instances. */
  index: number;
  group: number;
  /** Unacked deliveries the consumer may hold at once. */
  capacity: number;
}

export interface BrokerContext {
  sim: Simulation;
  messages: MessageTable;
  deliveries: DeliveryTable;
  observer: RunObserver;
  gate: PublisherGate;
  groupCount: number;
  consumers: readonly ConsumerSlot[];
  /** Per consumer: its current incarnation (bumped by each crash). */
  incarnations: Int32Array;
  /** A random stream of the broker's own, named `broker:<purpose>`; each purpose may be asked for once. */
  stream(purpose: string): Rng;
  /** Producer instance names by index, and consumer instance names by index (for traces and errors). */
  names: { producers: readonly string[]; consumers: readonly string[]; groups: readonly string[] };
  /**
   * Where consumers' side effects are applied. A profile whose groups apply effects
   * only on commit (transactions) stages them here and commits or discards them.
   */
  effects: EffectLedger;
  /**
   * How messages are addressed, for profiles whose exchanges route by key (RabbitMQ): each producer
   * instance's routing keys (a message's `routingKey` column indexes its producer's list) and each
   * group's binding keys (null when the group gives none). Other profiles ignore it.
   */
  routing: RoutingTable;
  /**
   * Records that `message` is not addressed to `group` at all (the exchange routed it to other queues
   * only): the group neither expects it nor lags behind on it. Call it before `accept`.
   */
  notRouted(message: number, group: number): void;
  /** Records that the broker took responsibility for a message and confirms it to its producer. */
  accept(message: number): void;
  /**
   * Records that the broker stored a message it does not confirm yet (a record of an open
   * transaction): it takes its place in the acceptance order and its queue wait starts now.
   * A later `accept` confirms it, or `reject` refuses it (the transaction aborted).
   */
  appendTentatively(message: number): void;
  /**
   * Answers a retried publish of a message already accepted with a confirm, without taking another
   * copy: what an idempotent producer or a deduplication window does.
   */
  confirmDuplicate(message: number): void;
  /** Refuses a publish: the producer gets a nack. */
  reject(message: number): void;
  /**
   * Answers a publish with a retriable error (a partition offline, NotEnoughReplicas): the producer gets a
   * nack and nothing is recorded, since its client library will send it again or give up (and say so).
   */
  refuse(message: number): void;
  /**
   * Opens a delivery of `message` to `consumer` and sends it over the network.
   * Counts the delivery (the message's delivery count for the group goes up by one).
   */
  deliver(message: number, consumer: number): number;
  /** Gives up on a message for a group (poison, delivery limit): dead-lettered. */
  deadLetter(message: number, group: number, reason: string): void;
  /** Discards a message for a group silently (overflow, expiry, crash of a transient queue). */
  drop(message: number, group: number, reason: string): void;
}

export interface RoutingTable {
  keysOfProducer: readonly (readonly string[])[];
  bindingsOfGroup: readonly (readonly string[] | null)[];
}

export type BrokerFactory<Settings> = (context: BrokerContext, settings: Settings) => Broker;
