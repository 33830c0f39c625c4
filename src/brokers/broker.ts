import type { Simulation } from "../engine/simulation.js";
import type { DeliveryTable } from "../model/deliveries.js";
import type { MessageTable } from "../model/messages.js";
import type { RunObserver } from "../model/observer.js";
import type { PublisherGate } from "../model/publisher-gate.js";

/**
 * The contract between the generic model and a broker profile. Producers and
 * consumers only ever talk to a broker through these calls, so each profile
 * decides routing, dispatch, flow control and redelivery by its own rules.
 */
export interface Broker {
  /** A publish reached the broker: accept it (ctx.accept) or refuse it (ctx.reject). */
  publish(message: number): void;
  /** A consumer's ack reached the broker. */
  ack(delivery: number): void;
  /** Visits every (message, group) the broker still holds: queued or delivered and unacked. */
  forEachHeld(visit: (message: number, group: number) => void): void;
}

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
  /** Records that the broker took responsibility for a message and confirms it to its producer. */
  accept(message: number): void;
  /** Refuses a publish: the producer gets a nack. */
  reject(message: number): void;
  /** Opens a delivery of `message` to `consumer` and sends it over the network. */
  deliver(message: number, consumer: number): void;
}

export type BrokerFactory<Settings> = (context: BrokerContext, settings: Settings) => Broker;
