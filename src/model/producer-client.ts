import type { Simulation } from "../engine/simulation.js";
import type { Rng } from "../random/streams.js";
import { type MessageTable, ProducerView, PublishOutcome } from "./messages.js";
import type { RunObserver } from "./observer.js";

/**
 * A profile's client library inside one producer instance (Kafka's producer
 * with its record accumulator). Without one, the generic Producer sends each
 * message itself. With one, the Producer hands each message to the client
 * (the application's `send()`); the client may refuse it for now, which blocks
 * the application: that instance's later messages queue behind it, and after
 * `maxBlock` the blocked send fails. A message the client took is the client's
 * to send, resend and settle: it hears the broker's answers and decides what
 * the producer learns. The global PublisherGate (RabbitMQ's connection.blocked)
 * still applies first.
 */
export interface ProducerClient {
  /** Microseconds a blocked send waits for room before it fails (Kafka's max.block.ms). */
  readonly maxBlock: number;
  /** Whether the broker's answers must travel back to this producer. */
  readonly wantsAnswers: boolean;
  /** The application sends `message`: true if the client took it, false if the send must block. */
  offer(message: number): boolean;
  /** The broker's confirm reached the producer. */
  confirmed(message: number): void;
  /** The broker's refusal reached the producer. */
  refused(message: number): void;
  /** The producer process died: everything the client held becomes unknown to it; `held` hears each message. */
  crash(held: (message: number) => void): void;
  /**
   * The lowest message id the client may still read or change (buffered, in flight, awaiting a retry), or
   * +Infinity when it holds none. A client without it keeps every row of the run (nothing is retired).
   */
  oldestHeld?(): number;
}

export interface ProducerClientWiring {
  sim: Simulation;
  messages: MessageTable;
  observer: RunObserver;
  /** The producer instance's name, e.g. `checkout#1`. */
  name: string;
  /** Puts a message on the producer's link to the broker. */
  transmit: (message: number) => void;
  /** Tells the producer that room has freed up, so a blocked send can go. */
  roomFreed: () => void;
  /** A random stream of this client's own, named `producer:<instance>:<purpose>`. */
  stream: (purpose: string) => Rng;
}

export type ProducerClientFactory = (wiring: ProducerClientWiring) => ProducerClient;

/**
 * The producer gave up on a send and its application got an error: counted as
 * rejected, unless the broker had in fact taken a copy (an answer lost on the
 * way back), in which case only the producer's view changes.
 */
export function failSend(messages: MessageTable, observer: RunObserver, message: number, now: number): void {
  messages.producerView[messages.slot(message)] = ProducerView.nacked;
  if (messages.outcome[messages.slot(message)] === PublishOutcome.accepted) return;
  messages.outcome[messages.slot(message)] = PublishOutcome.rejected;
  observer.rejected(message, now);
}

/**
 * Producer instances blocked by their own client. Publishers count as blocked
 * (for blocked time and the time series) while at least one instance is, the
 * same measure as the global gate, whose closing blocks every instance at once.
 */
export class BlockedProducers {
  private blocked = 0;

  constructor(
    private readonly observer: RunObserver,
    private readonly clock: { readonly now: number },
  ) {}

  change(blocked: boolean): void {
    this.blocked += blocked ? 1 : -1;
    if (blocked && this.blocked === 1) this.observer.publishingBlocked(true, this.clock.now);
    else if (!blocked && this.blocked === 0) this.observer.publishingBlocked(false, this.clock.now);
  }
}
