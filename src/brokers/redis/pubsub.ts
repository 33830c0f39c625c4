import { IntRing } from "../../model/int-ring.js";
import { Fate } from "../../model/messages.js";
import type { Rng } from "../../random/streams.js";
import type { Broker, BrokerContext, BrokerFailure, ConnectionLoss } from "../broker.js";
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
  /**
   * The client's reconnect backoff: attempt n comes min(base x 2^(n-1), max) (exponential) or
   * min(base x n, max) (linear) after the previous one, plus a random jitter below `reconnectJitter`.
   */
  reconnectBase: number;
  reconnectGrowth: "exponential" | "linear";
  reconnectMax: number;
  reconnectJitter: number;
  /** Bytes of messages the kernel's socket buffers hold between Redis and a subscriber that does not read. */
  socketBuffers: number;
}

/**
 * A message as a subscriber's connection carries it, RESP2:
 * `*3\r\n$7\r\nmessage\r\n$<channel>\r\n<channel>\r\n$<n>\r\n<payload>\r\n`, for a
 * two-character channel name: 30 bytes plus the length's digits plus the payload.
 */
export function messageFrameBytes(size: number): number {
  return 30 + String(size).length + size;
}

export function createPubSubBroker(context: BrokerContext, settings: PubSubSettings): Broker {
  return new PubSubBroker(context, settings);
}

/**
 * Redis pub/sub: PUBLISH pushes the message to every client subscribed at that
 * moment and stores nothing. Every consumer instance is its own subscriber, so
 * a group of N instances receives (and processes) each message N times; a
 * group with no instance subscribed misses it ("no-subscriber"). What a
 * subscriber has not read yet waits, oldest first, in the kernel's socket
 * buffers (up to `socketBuffers` bytes) and then in its output buffer on the
 * Redis side; it reads one message per free worker. An output buffer at or
 * over the hard limit, or at or over the soft limit for longer than its
 * seconds, gets the client disconnected: the output buffer is discarded, what
 * the socket held the client still reads. The client reconnects and
 * resubscribes with its backoff (by default ioredis 6's), missing everything
 * published meanwhile.
 * A subscriber whose connection went silent (frozen or cut off) stays
 * subscribed: Redis writes to it until the limits disconnect it.
 */
class PubSubBroker implements Broker {
  private up = true;
  private readonly clients: Clients;
  private readonly subscribed: Uint8Array;
  private readonly buffer: IntRing[];
  private readonly spareRings: IntRing[] = [];
  private readonly bufferBytes: Float64Array;
  /** Per subscriber: bytes at the front of its buffer left in the socket of a connection Redis dropped. */
  private readonly staleBytes: Float64Array;
  private readonly softSince: Float64Array;
  private readonly reconnectEvent: Float64Array;
  /** Per subscriber: reconnect attempts since its connection dropped (0: connected or not trying). */
  private readonly attempts: Int32Array;
  /** Per subscriber: its connection went silent; Redis still writes to it. */
  private readonly silent: Uint8Array;
  private readonly buffered: Int32Array;
  private readonly members: number[][];
  /** Per (group, message): copies still in buffers or in live subscribers' hands. */
  private readonly copies: GroupColumn<Uint16Array>;
  private readonly reconnect = (consumer: number): void => this.resubscribe(consumer);
  private readonly jitter: Rng | null;

  constructor(
    private readonly context: BrokerContext,
    private readonly settings: PubSubSettings,
  ) {
    const count = context.consumers.length;
    this.clients = new Clients(context);
    this.subscribed = new Uint8Array(count).fill(1);
    this.buffer = context.consumers.map(() => new IntRing());
    this.bufferBytes = new Float64Array(count);
    this.staleBytes = new Float64Array(count);
    this.softSince = new Float64Array(count).fill(Number.NaN);
    this.reconnectEvent = new Float64Array(count).fill(-1);
    this.attempts = new Int32Array(count);
    this.silent = new Uint8Array(count);
    this.buffered = new Int32Array(context.groupCount);
    this.members = Array.from({ length: context.groupCount }, () => []);
    for (const consumer of context.consumers) this.members[consumer.group]!.push(consumer.index);
    this.copies = new GroupColumn(context.messages, context.groupCount, (n) => new Uint16Array(n));
    this.jitter = settings.reconnectJitter > 0 ? context.stream("reconnect-jitter") : null;
  }

  publish(message: number): void {
    if (!this.up) {
      this.context.reject(message);
      return;
    }
    this.context.accept(message);
    for (let group = 0; group < this.members.length; group++) {
      const members = this.members[group]!;
      let receivers = 0;
      // Every receiver holds its copy before any can be disconnected, so a drop means no copy is left.
      // Index loops: this runs for every message, and an iterator may be allocated for a for-of.
      for (let k = 0; k < members.length; k++) {
        const consumer = members[k]!;
        if (this.subscribed[consumer] === 0) continue;
        receivers++;
        this.enqueue(consumer, message);
      }
      if (receivers === 0) this.context.drop(message, group, "no-subscriber");
      for (let k = 0; k < members.length; k++) if (this.subscribed[members[k]!] === 1) this.push(members[k]!);
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

  /**
   * A closed socket unsubscribes it at once. A silent one stays subscribed:
   * Redis keeps writing to it until the output buffer limits disconnect it
   * (tcp-keepalive, 300 s, does not help against a frozen process, whose
   * kernel still answers). What it held in hand is lost either way.
   */
  consumerDown(consumer: number, loss: ConnectionLoss): void {
    this.clients.down(consumer);
    if (loss === "closed") this.unsubscribe(consumer, "disconnected", true);
    else this.silent[consumer] = 1;
    const group = this.clients.groupOf(consumer);
    for (const message of this.clients.closeStale(consumer)) this.release(message, group, "disconnected");
  }

  /** UNSUBSCRIBE: nothing more is published to it; what its output buffer held is never read. */
  consumerStopping(consumer: number): void {
    this.clients.stop(consumer);
    this.unsubscribe(consumer, "unsubscribed", true);
  }

  /** Closing loses what the subscriber held unprocessed, as a disconnect does. */
  consumerClosed(consumer: number): void {
    this.consumerDown(consumer, "closed");
  }

  /** A new process subscribes at once; a silent old connection is closed for good now. */
  consumerUp(consumer: number): void {
    if (this.silent[consumer] === 1) this.unsubscribe(consumer, "disconnected", true);
    this.clients.up(consumer);
    if (this.up) this.resubscribe(consumer);
    else this.startReconnecting(consumer);
  }

  /** Pub/sub keeps nothing: every buffer is gone, and every subscriber must reconnect. */
  /**
   * Pub/sub keeps nothing: every output buffer is gone (the kernel's buffers
   * are still read), and every live subscriber starts its reconnect attempts.
   */
  crash(_failure: BrokerFailure): void {
    this.up = false;
    this.clients.brokerDown();
    for (let consumer = 0; consumer < this.subscribed.length; consumer++) {
      const wasSubscribed = this.subscribed[consumer] === 1;
      this.unsubscribe(consumer, "broker-crash", this.clients.alive[consumer] === 0);
      if (wasSubscribed && this.clients.alive[consumer] === 1) this.startReconnecting(consumer);
    }
  }

  /** Reconnect attempts already scheduled find Redis up again. */
  restart(): void {
    this.up = true;
    this.clients.brokerBack();
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
    this.bufferBytes[consumer]! += this.frameBytes(message);
    this.buffered[group]!++;
    this.copies.set(group, message, this.copies.get(group, message) + 1);
  }

  /** Sends what the subscriber can read now, then applies the output buffer limit to the rest. */
  private push(consumer: number): void {
    this.flush(consumer);
    if (this.overLimit(consumer)) this.disconnect(consumer);
  }

  /** The subscriber reads from its socket and buffer while it is alive and has a free worker. */
  private flush(consumer: number): void {
    const ring = this.buffer[consumer]!;
    const capacity = this.context.consumers[consumer]!.capacity;
    while (ring.length > 0 && this.clients.alive[consumer] === 1 && this.clients.inHand[consumer]! < capacity) {
      const message = ring.shift();
      const bytes = this.frameBytes(message);
      this.bufferBytes[consumer]! -= bytes;
      this.staleBytes[consumer] = Math.max(0, this.staleBytes[consumer]! - bytes);
      this.buffered[this.clients.groupOf(consumer)]!--;
      this.clients.took(consumer);
      this.context.deliver(message, consumer);
    }
  }

  /**
   * Redis's checkClientOutputBufferLimits: hard at once, soft only after its
   * seconds have passed, on what the current connection's kernel buffers
   * could not take (what an old connection's socket still holds is not Redis's).
   */
  private overLimit(consumer: number): boolean {
    const { hard, soft, softFor } = this.settings["client-output-buffer-limit"];
    const current = this.bufferBytes[consumer]! - this.staleBytes[consumer]!;
    const bytes = Math.max(0, current - this.settings.socketBuffers);
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
    this.unsubscribe(consumer, "output-buffer-limit", this.clients.alive[consumer] === 0);
    if (this.clients.alive[consumer] === 1) this.startReconnecting(consumer);
  }

  /**
   * Drops the subscription and the output buffer with it. What the kernel's
   * socket buffers hold (the oldest `socketBuffers` bytes) a live client still
   * reads, unless `everything` goes (its process is gone).
   */
  private unsubscribe(consumer: number, reason: string, everything: boolean): void {
    this.subscribed[consumer] = 0;
    this.silent[consumer] = 0;
    this.softSince[consumer] = Number.NaN;
    this.cancelReconnect(consumer);
    const ring = this.buffer[consumer]!;
    const group = this.clients.groupOf(consumer);
    // What the client still reads is a prefix of its buffer: the oldest frames that fit the socket buffers.
    let kept = 0;
    let keptBytes = 0;
    while (!everything && kept < ring.length) {
      const bytes = this.frameBytes(ring.at(kept));
      if (keptBytes + bytes > this.settings.socketBuffers) break;
      keptBytes += bytes;
      kept++;
    }
    // The rest moves to a spare ring (reused: a slow subscriber is cut off again and again), then is released.
    const lost = this.spareRings.pop() ?? new IntRing();
    for (let index = kept; index < ring.length; index++) lost.push(ring.at(index));
    ring.truncate(kept);
    this.buffered[group]! -= lost.length;
    this.bufferBytes[consumer] = keptBytes;
    this.staleBytes[consumer] = keptBytes;
    while (lost.length > 0) this.release(lost.shift(), group, reason);
    this.spareRings.push(lost);
    this.reportDepth(group);
  }

  /** The connection dropped: the client tries again after its backoff (ioredis's retryStrategy). */
  private startReconnecting(consumer: number): void {
    this.attempts[consumer] = 0;
    this.scheduleAttempt(consumer);
  }

  private scheduleAttempt(consumer: number): void {
    const attempt = ++this.attempts[consumer]!;
    const { reconnectBase, reconnectGrowth, reconnectMax, reconnectJitter } = this.settings;
    const growth = reconnectGrowth === "linear" ? attempt : 2 ** Math.min(attempt - 1, 40);
    // ioredis draws its jitter in whole milliseconds.
    const jitter = this.jitter ? Math.floor((this.jitter() * reconnectJitter) / 1000) * 1000 : 0;
    const delay = Math.min(growth * reconnectBase, reconnectMax) + jitter;
    this.reconnectEvent[consumer] = this.context.sim.schedule(delay, this.reconnect, consumer);
  }

  private cancelReconnect(consumer: number): void {
    if (this.reconnectEvent[consumer]! >= 0) this.context.sim.cancel(this.reconnectEvent[consumer]!);
    this.reconnectEvent[consumer] = -1;
    this.attempts[consumer] = 0;
  }

  /** A reconnect attempt (or a new process's first connection): refused while Redis is down. */
  private resubscribe(consumer: number): void {
    this.reconnectEvent[consumer] = -1;
    if (!this.clients.reads(consumer)) {
      this.attempts[consumer] = 0;
      return;
    }
    if (!this.up) {
      this.scheduleAttempt(consumer);
      return;
    }
    this.attempts[consumer] = 0;
    this.subscribed[consumer] = 1;
  }

  /** One copy is done with; the last copy of a message the group never consumed is dropped for `reason`. */
  private release(message: number, group: number, reason: string): void {
    const copies = this.copies.get(group, message) - 1;
    this.copies.set(group, message, copies);
    if (copies > 0 || reason === "") return;
    const { messages } = this.context;
    const row = messages.slot(message);
    if (messages.consumedBy[group]![row]! > 0 || messages.fate[group]![row] !== Fate.none) return;
    this.context.drop(message, group, reason);
  }

  private frameBytes(message: number): number {
    const { messages } = this.context;
    return messageFrameBytes(messages.size[messages.slot(message)]!);
  }

  private reportDepth(group: number): void {
    this.context.observer.depthChanged(group, this.buffered[group]!, this.context.sim.now);
  }
}
