import type { EventHandler } from "../engine/event-queue.js";
import type { Simulation } from "../engine/simulation.js";
import type { Rng } from "../random/streams.js";
import type { BrokerContext, ConsumerSlot, RoutingTable } from "./broker-context.js";
import type { DeliveryTable } from "./deliveries.js";
import type { EffectLedger } from "./effects.js";
import { Fate, type MessageTable, PublishOutcome } from "./messages.js";
import type { Link } from "./network.js";
import type { RunObserver } from "./observer.js";
import type { PublisherGate } from "./publisher-gate.js";
import type { Lineage } from "./stage-publisher.js";

/** The run's own tallies of publishes the broker answered without taking a new copy. */
export interface RepublishCounts {
  republished: number;
  deduplicated: number;
}

/** A producer instance as the bookkeeper reaches it: its confirm and nack handlers, if it listens. */
export interface ConfirmListener {
  readonly tracksConfirms: boolean;
  readonly onConfirm: EventHandler;
  readonly onNack: EventHandler;
  /** The broker answered one copy of the message (see Producer.answered); only producers that resend care. */
  answered?(message: number): void;
}

export interface BookkeeperOptions {
  sim: Simulation;
  messages: MessageTable;
  deliveries: DeliveryTable;
  observer: RunObserver;
  gate: PublisherGate;
  effects: EffectLedger;
  consumers: readonly ConsumerSlot[];
  incarnations: Int32Array;
  names: BrokerContext["names"];
  routing: RoutingTable;
  /** The run's last instant (µs; BrokerContext.horizon); unbounded when not given. */
  horizon?: number;
  counts: RepublishCounts;
  /** Names the broker's random streams: `broker:<purpose>`. */
  stream(purpose: string): Rng;
  /** False when no producer waits for confirms (no client library, no publish timeout): confirms are not sent. */
  confirmsWanted: boolean;
  /** Whether a fault may crash the broker (BrokerContext.brokerMayCrash); unset: it may. */
  brokerMayCrash?: boolean;
  /** Where onward messages come from, when the scenario has pipeline stages: their confirms go to no producer. */
  lineage?: Lineage;
  /** Hears the broker's answer to each onward message (a stage's outbox relay waits for them). */
  onwardAnswered?: (message: number, accepted: boolean, answered: boolean) => void;
}

/**
 * The model's side of the broker contract. A profile decides what happens to a message; the bookkeeper
 * records it in the run's tables and tells the observers: it stamps a message accepted and confirms it
 * to its producer, opens a delivery and sends it to its consumer, and sets a message's fate for a group
 * when it is dead-lettered, dropped or not routed. Producers and consumers are connected after the broker
 * is built (they need the broker; the broker needs this), through `connectProducer` and `connectConsumer`.
 */
export class Bookkeeper implements BrokerContext {
  readonly sim: Simulation;
  readonly messages: MessageTable;
  readonly deliveries: DeliveryTable;
  readonly observer: RunObserver;
  readonly gate: PublisherGate;
  readonly effects: EffectLedger;
  readonly groupCount: number;
  readonly consumers: readonly ConsumerSlot[];
  readonly incarnations: Int32Array;
  readonly names: BrokerContext["names"];
  readonly routing: RoutingTable;
  readonly horizon: number;
  readonly stream: (purpose: string) => Rng;
  readonly brokerMayCrash: boolean;
  private readonly counts: RepublishCounts;
  private readonly confirmsWanted: boolean;
  private readonly lineage: Lineage | null;
  private readonly onwardAnswered: ((message: number, accepted: boolean, answered: boolean) => void) | null;
  private readonly toProducer: Link[] = [];
  private readonly producers: ConfirmListener[] = [];
  private readonly toConsumer: Link[] = [];
  private readonly fromConsumer: Link[] = [];
  private readonly receivers: EventHandler[] = [];

  constructor(options: BookkeeperOptions) {
    this.sim = options.sim;
    this.messages = options.messages;
    this.deliveries = options.deliveries;
    this.observer = options.observer;
    this.gate = options.gate;
    this.effects = options.effects;
    this.groupCount = options.messages.fate.length;
    this.consumers = options.consumers;
    this.incarnations = options.incarnations;
    this.names = options.names;
    this.routing = options.routing;
    this.horizon = options.horizon ?? Number.POSITIVE_INFINITY;
    this.stream = options.stream;
    this.brokerMayCrash = options.brokerMayCrash ?? true;
    this.counts = options.counts;
    this.confirmsWanted = options.confirmsWanted;
    this.lineage = options.lineage ?? null;
    this.onwardAnswered = options.onwardAnswered ?? null;
  }

  /** Producer instance `index` (in order) hears its confirms over `link`. */
  connectProducer(index: number, link: Link, producer: ConfirmListener): void {
    this.toProducer[index] = link;
    this.producers[index] = producer;
  }

  /** Consumer instance `index` (in order) receives its deliveries over `link` and talks back over `back`. */
  connectConsumer(index: number, link: Link, receive: EventHandler, back: Link): void {
    this.toConsumer[index] = link;
    this.receivers[index] = receive;
    this.fromConsumer[index] = back;
  }

  overConsumerLink(consumer: number, handler: (arg: number) => void, arg: number): void {
    this.fromConsumer[consumer]!.send(handler, arg);
  }

  notRouted(message: number, group: number): void {
    this.messages.fate[group]![this.messages.slot(message)] = Fate.notRouted;
  }

  accept(message: number): void {
    const messages = this.messages;
    // A retried publish of a message already taken: the broker takes it again (no deduplication here).
    if (messages.outcome[messages.slot(message)] === PublishOutcome.accepted) this.counts.republished++;
    else this.acceptFirst(message);
    messages.copies[messages.slot(message)] = Math.min(255, messages.copies[messages.slot(message)]! + 1);
    this.confirm(message, true);
  }

  appendTentatively(message: number): void {
    if (this.messages.acceptOrder[this.messages.slot(message)]! < 0) this.appendFirst(message);
  }

  /** A broker's delay stage stored the message (src/brokers/delays.ts): the producer hears so now, not when it falls due. */
  confirmHeld(message: number): void {
    // The copy is not answered yet: the profile answers it again when the stage releases it (Producer.answered).
    this.confirm(message, true, false);
  }

  confirmDuplicate(message: number): void {
    this.counts.deduplicated++;
    this.confirm(message, true);
  }

  reject(message: number): void {
    if (this.messages.outcome[this.messages.slot(message)] !== PublishOutcome.accepted) {
      this.messages.outcome[this.messages.slot(message)] = PublishOutcome.rejected;
      this.observer.rejected(message, this.sim.now);
    }
    this.confirm(message, false);
  }

  refuse(message: number): void {
    this.confirm(message, false);
  }

  deliver(message: number, consumer: number): number {
    const { messages, sim } = this;
    const group = this.consumers[consumer]!.group;
    const delivery = this.deliveries.open(message, consumer, this.incarnations[consumer]!, sim.now);
    // Each accepted copy's first delivery is not a redelivery: count attempts beyond the copies. A record of an
    // open or aborted transaction is one stored copy, though not accepted.
    const copies = Math.max(1, messages.copies[messages.slot(message)]!);
    const attempt = Math.max(1, messages.recordDelivery(message, group) - copies + 1);
    this.observer.delivered(
      message,
      group,
      consumer,
      attempt,
      sim.now - messages.acceptedAt[messages.slot(message)]!,
      sim.now,
    );
    this.toConsumer[consumer]!.send(this.receivers[consumer]!, delivery);
    return delivery;
  }

  deadLetter(message: number, group: number, reason: string): void {
    this.messages.fate[group]![this.messages.slot(message)] = Fate.deadLettered;
    this.observer.deadLettered(message, group, reason, this.sim.now);
  }

  drop(message: number, group: number, reason: string): void {
    this.messages.fate[group]![this.messages.slot(message)] = Fate.dropped;
    this.observer.dropped(message, group, reason, this.sim.now);
  }

  private appendFirst(message: number): void {
    this.messages.acceptedAt[this.messages.slot(message)] = this.sim.now;
    this.messages.recordAccepted(message);
  }

  private acceptFirst(message: number): void {
    // A record of a transaction was stored (and ordered) when appended; it is accepted when the transaction commits.
    if (this.messages.acceptOrder[this.messages.slot(message)]! < 0) this.appendFirst(message);
    this.messages.outcome[this.messages.slot(message)] = PublishOutcome.accepted;
    this.observer.accepted(message, this.sim.now);
  }

  /** Sends the confirm (or nack) back to the producer, if it listens for them. */
  private confirm(message: number, accepted: boolean, answered = true): void {
    if (!this.confirmsWanted) return;
    // A stage publishes without waiting for confirms (docs/patterns.md, "Flows"), unless through an outbox relay:
    // its producer column names the root's producer, so the answer goes to the stage's side instead.
    if (this.lineage?.isOnward(message)) {
      this.onwardAnswered?.(message, accepted, answered);
      return;
    }
    const index = this.messages.producer[this.messages.slot(message)]!;
    const producer = this.producers[index];
    if (answered) producer?.answered?.(message);
    if (!producer?.tracksConfirms) return;
    this.toProducer[index]!.send(accepted ? producer.onConfirm : producer.onNack, message);
  }
}
