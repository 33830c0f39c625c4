import type { Broker } from "../brokers/broker.js";
import type { Simulation } from "../engine/simulation.js";
import type { Consumer } from "../model/consumer.js";
import type { DeliveryTable } from "../model/deliveries.js";
import type { MessageTable } from "../model/messages.js";
import type { Link } from "../model/network.js";
import type { RunObserver } from "../model/observer.js";
import type { Producer } from "../model/producer.js";
import type { DependencyFaults } from "../patterns/dependency.js";
import type { RandomStreams } from "../random/streams.js";

/**
 * A network link, named by indices. Every link joins the broker and one client
 * instance: a consumer (deliveries go from the broker, acks to it) or a
 * producer (publishes go to the broker, confirms from it).
 */
export interface LinkRef {
  client: "consumer" | "producer";
  /** The consumer's or producer's instance index, in the order the scenario lists them. */
  index: number;
  direction: "from-broker" | "to-broker";
}

/**
 * What faults act on, and nothing more: the run's components by index, the
 * clock, the streams and the observer. src/run/build.ts provides it.
 */
export interface FaultWorld {
  readonly sim: Pick<Simulation, "now" | "at">;
  /** The scenario's duration (µs): every fault is healed then. */
  readonly duration: number;
  readonly streams: Pick<RandomStreams, "stream">;
  readonly observer: Pick<RunObserver, "fault">;
  readonly broker: Pick<Broker, "crash" | "restart" | "producerDown" | "producerUp">;
  readonly deliveries: Pick<DeliveryTable, "inFlight">;
  /** The brokers of `brokers:`, in the order written, each with its own deliveries; absent with one broker. */
  readonly extraBrokers?: readonly {
    broker: Pick<Broker, "crash" | "restart">;
    deliveries: Pick<DeliveryTable, "inFlight">;
  }[];
  readonly messages: Pick<MessageTable, "poison" | "retiredPoison" | "slot" | "forEachInPlay">;
  /** Consumer instances by index. */
  readonly consumers: readonly FaultableConsumer[];
  /** Producer instances by index. */
  readonly producers: readonly FaultableProducer[];
  /** The scenario's dependencies (src/patterns), in the order it declares them. */
  readonly dependencies: readonly DependencyFaults[];
  link(ref: LinkRef): FaultableLink;
}

export type FaultableConsumer = Pick<
  Consumer,
  | "options"
  | "isUp"
  | "isStopping"
  | "inProgress"
  | "slowdown"
  | "armCrash"
  | "disarmCrash"
  | "restart"
  | "stop"
  | "disconnect"
  | "reconnect"
>;

export type FaultableProducer = Pick<Producer, "options" | "crash" | "restart" | "isUp">;

export type FaultableLink = Pick<Link, "extraDelay" | "duplicate" | "duplicated" | "loss" | "lost">;
