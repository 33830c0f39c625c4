import { IntRing } from "../../model/int-ring.js";
import { Fate } from "../../model/messages.js";
import type { Broker, BrokerContext, BrokerFailure } from "../broker.js";
import { Clients } from "./clients.js";
import { GroupColumn } from "./columns.js";

export interface OutputBufferLimit {
  hard: number;
  soft: number;
  /** Microseconds the buffer may stay at or above `soft`. */
  softFor: number;
}

export interface PubSubSettings {
  "client-output-buffer-limit": OutputBufferLimit;
  reconnectDelay: number;
}

export function createPubSubBroker(context: BrokerContext, settings: PubSubSettings): Broker {
  return new PubSubBroker(context, settings);
}

/**
 * Redis pub/sub: PUBLISH pushes the message to every client subscribed at that
 * moment and stores nothing. Every consumer instance is its own subscriber, so
 * a group of N instances receives (and processes) each message N times; a
 * group with no instance subscribed misses it ("no-subscriber"). What a
 * subscriber has not read yet waits in its output buffer on the Redis side;
 * it reads one message per free worker. A buffer at or over the hard limit, or
 * at or over the soft limit for longer than its seconds, gets the client
 * disconnected and the buffer discarded; the client resubscribes after
 * `reconnectDelay` and misses everything published meanwhile.
 */
class PubSubBroker implements Broker {
  private up = true;
  private readonly clients: Clients;
  private readonly subscribed: Uint8Array;
  private readonly buffer: IntRing[];
  private readonly bufferBytes: Float64Array;
  private readonly softSince: Float64Array;
  private readonly reconnectEvent: Float64Array;
  private readonly buffered: Int32Array;
  private readonly members: number[][];
  /** Per (group, message): copies still in buffers or in live subscribers' hands. */
  private readonly copies: GroupColumn<Uint16Array>;
  private readonly reconnect = (consumer: number): void => this.resubscribe(consumer);

  constructor(
    private readonly context: BrokerContext,
    private readonly settings: PubSubSettings,
  ) {
    const count = context.consumers.length;
    this.clients = new Clients(context);
    this.subscribed = new Uint8Array(count).fill(1);
    this.buffer = context.consumers.map(() => new IntRing());
    this.bufferBytes = new Float64Array(count);
    this.softSince = new Float64Array(count).fill(Number.NaN);
    this.reconnectEvent = new Float64Array(count).fill(-1);
    this.buffered = new Int32Array(context.groupCount);
    this.members = Array.from({ length: context.groupCount }, () => []);
    for (const consumer of context.consumers) this.members[consumer.group]!.push(consumer.index);
    this.copies = new GroupColumn(context.groupCount, context.messages.capacity, (n) => new Uint16Array(n));
  }

  publish(message: number): void {
    if (!this.up) {
      this.context.reject(message);
      return;
    }
    this.context.accept(message);
    this.copies.ensure(message);
    for (let group = 0; group < this.members.length; group++) {
      const members = this.members[group]!;
      let receivers = 0;
      // Every receiver holds its copy before any can be disconnected, so a drop means no copy is left.
      for (const consumer of members) {
        if (this.subscribed[consumer] === 0) continue;
        receivers++;
        this.enqueue(consumer, message);
      }
      if (receivers === 0) this.context.drop(message, group, "no-subscriber");
      for (const consumer of members) if (this.subscribed[consumer] === 1) this.push(consumer);
      this.reportDepth(group);
    }
  }

  /** The consumer read and handled the message: its worker is free for the next one. */
  ack(delivery: number): void {
    this.settle(delivery, false);
  }

  /** Processing failed: Redis keeps nothing to deliver again. */
  nack(delivery: number): void {
    this.settle(delivery, true);
  }

  consumerDown(consumer: number): void {
    this.clients.down(consumer);
    this.unsubscribe(consumer, "disconnected");
    const group = this.clients.groupOf(consumer);
    for (const message of this.clients.closeStale(consumer)) this.release(message, group, "disconnected");
  }

  /** UNSUBSCRIBE: nothing more is published to it; what its output buffer held is never read. */
  consumerStopping(consumer: number): void {
    this.clients.stop(consumer);
    this.unsubscribe(consumer, "unsubscribed");
  }

  /** Closing loses what the subscriber held unprocessed, as a disconnect does. */
  consumerClosed(consumer: number): void {
    this.consumerDown(consumer);
  }

  consumerUp(consumer: number): void {
    this.clients.up(consumer);
    if (this.up) this.resubscribe(consumer);
  }

  /** Pub/sub keeps nothing: every buffer is gone, and every subscriber must reconnect. */
  crash(_failure: BrokerFailure): void {
    this.up = false;
    this.clients.brokerDown();
    for (let consumer = 0; consumer < this.subscribed.length; consumer++) this.unsubscribe(consumer, "broker-crash");
  }

  restart(): void {
    this.up = true;
    this.clients.brokerBack();
    for (let consumer = 0; consumer < this.subscribed.length; consumer++) {
      if (this.clients.alive[consumer] === 1) this.scheduleReconnect(consumer);
    }
  }

  forEachHeld(visit: (message: number, group: number) => void): void {
    this.buffer.forEach((ring, consumer) => {
      const group = this.clients.groupOf(consumer);
      ring.forEach((message) => {
        visit(message, group);
      });
    });
    this.clients.forEachLive(visit);
  }

  private settle(delivery: number, failed: boolean): void {
    const { deliveries } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const message = deliveries.message(delivery);
    const consumer = deliveries.consumer(delivery);
    const group = this.clients.groupOf(consumer);
    this.clients.settle(delivery);
    this.release(message, group, failed ? "processing-failed" : "");
    this.flush(consumer);
  }

  private enqueue(consumer: number, message: number): void {
    const group = this.clients.groupOf(consumer);
    this.buffer[consumer]!.push(message);
    this.bufferBytes[consumer]! += this.context.messages.size[message]!;
    this.buffered[group]!++;
    this.copies.of[group]![message]!++;
  }

  /** Sends what the subscriber can read now, then applies the output buffer limit to the rest. */
  private push(consumer: number): void {
    this.flush(consumer);
    if (this.overLimit(consumer)) this.disconnect(consumer);
  }

  /** The subscriber reads from its buffer while it has a free worker. */
  private flush(consumer: number): void {
    const ring = this.buffer[consumer]!;
    const capacity = this.context.consumers[consumer]!.capacity;
    while (ring.length > 0 && this.subscribed[consumer] === 1 && this.clients.inHand[consumer]! < capacity) {
      const message = ring.shift();
      this.bufferBytes[consumer]! -= this.context.messages.size[message]!;
      this.buffered[this.clients.groupOf(consumer)]!--;
      this.clients.took(consumer);
      this.context.deliver(message, consumer);
    }
  }

  /** Redis's checkClientOutputBufferLimits: hard at once, soft only after its seconds have passed. */
  private overLimit(consumer: number): boolean {
    const { hard, soft, softFor } = this.settings["client-output-buffer-limit"];
    const bytes = this.bufferBytes[consumer]!;
    if (this.subscribed[consumer] === 0) return false;
    if (hard > 0 && bytes >= hard) return true;
    if (soft === 0 || bytes < soft) {
      this.softSince[consumer] = Number.NaN;
      return false;
    }
    const now = this.context.sim.now;
    if (Number.isNaN(this.softSince[consumer]!)) this.softSince[consumer] = now;
    return now - this.softSince[consumer]! > softFor;
  }

  private disconnect(consumer: number): void {
    this.unsubscribe(consumer, "output-buffer-limit");
    this.scheduleReconnect(consumer);
  }

  /** Drops the subscription and the output buffer with it. */
  private unsubscribe(consumer: number, reason: string): void {
    this.subscribed[consumer] = 0;
    this.softSince[consumer] = Number.NaN;
    if (this.reconnectEvent[consumer]! >= 0) this.context.sim.cancel(this.reconnectEvent[consumer]!);
    this.reconnectEvent[consumer] = -1;
    const ring = this.buffer[consumer]!;
    const group = this.clients.groupOf(consumer);
    this.buffered[group]! -= ring.length;
    const lost: number[] = [];
    ring.forEach((message) => {
      lost.push(message);
    });
    ring.clear();
    this.bufferBytes[consumer] = 0;
    for (const message of lost) this.release(message, group, reason);
    this.reportDepth(group);
  }

  private scheduleReconnect(consumer: number): void {
    this.reconnectEvent[consumer] = this.context.sim.schedule(this.settings.reconnectDelay, this.reconnect, consumer);
  }

  private resubscribe(consumer: number): void {
    this.reconnectEvent[consumer] = -1;
    if (!this.up || !this.clients.reads(consumer)) return;
    this.subscribed[consumer] = 1;
  }

  /** One copy is done with; the last copy of a message the group never consumed is dropped for `reason`. */
  private release(message: number, group: number, reason: string): void {
    const copies = this.copies.of[group]!;
    copies[message]!--;
    if (copies[message]! > 0 || reason === "") return;
    const { messages } = this.context;
    if (messages.consumedBy[group]![message]! > 0 || messages.fate[group]![message] !== Fate.none) return;
    this.context.drop(message, group, reason);
  }

  private reportDepth(group: number): void {
    this.context.observer.depthChanged(group, this.buffered[group]!, this.context.sim.now);
  }
}
