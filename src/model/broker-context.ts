import type { Simulation } from "../engine/simulation.js";
import type { Rng } from "../random/streams.js";
import type { DeliveryTable } from "./deliveries.js";
import type { EffectLedger } from "./effects.js";
import type { MessageTable } from "./messages.js";
import type { RunObserver } from "./observer.js";
import type { PublisherGate } from "./publisher-gate.js";

/**
 * What a broker profile may do to the run's records, and the run's facts it may read: the model's side
 * of the broker contract (the broker's side is Broker, in src/brokers/broker.ts). Bookkeeper implements it.
 */
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
  /**
   * Whether a fault may crash the broker in this run (unset: it may). A profile need not keep what only a
   * crash's recovery reads (Redis's undo records) in a run where none can come.
   */
  brokerMayCrash?: boolean;
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
   * The run's last instant (duration + drainTimeout, µs): nothing happens after it, so a profile need not keep
   * what only a later instant could read (Kafka's retention deleting a record accepted too late to expire).
   */
  horizon: number;
  /**
   * Records that `message` is not addressed to `group` at all (the exchange routed it to other queues
   * only): the group neither expects it nor lags behind on it. Call it before `accept`.
   */
  notRouted(message: number, group: number): void;
  /**
   * Sends `handler(arg)` to the broker over `consumer`'s link, after whatever the consumer sent before:
   * what the consumer's operating system sends for it when its process dies (the socket's FIN or RST).
   */
  overConsumerLink(consumer: number, handler: (arg: number) => void, arg: number): void;
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
  /**
   * With pipeline stages only: the group an onward message is published to (straight to its queue, as
   * through AMQP's default exchange), or -1 for a producer's message, which goes through the exchange
   * to the groups no stage feeds. Absent without stages.
   */
  stageTargetOf?: (message: number) => number;
  /** With pipeline stages only: the groups some stage publishes to, ascending (Kafka gives each a topic). */
  stageFedGroups?: readonly number[];
  /**
   * With pipeline stages only: the consumer instance whose processing published an onward message, and its
   * incarnation then (a transactional stage's onward messages belong to that consumer's transaction); -1
   * for a producer's message.
   */
  stagePublisherOf?: (message: number) => { consumer: number; incarnation: number } | null;
}
