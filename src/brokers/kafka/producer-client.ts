import { IntMap } from "../../model/int-map.js";
import { ProducerView, PublishOutcome } from "../../model/messages.js";
import {
  failSend,
  type ProducerClient,
  type ProducerClientFactory,
  type ProducerClientWiring,
} from "../../model/producer-client.js";
import type { Rng } from "../../random/streams.js";
import { DeadlineQueue } from "./deadlines.js";
import type { KafkaOptions } from "./settings.js";

/** Kafka's retry backoff jitter: each wait is drawn in ±20% of its nominal value (CommonClientConfigs). */
const RETRY_BACKOFF_JITTER = 0.2;

export function kafkaProducerClient(options: KafkaOptions): ProducerClientFactory {
  return (wiring) => new KafkaProducerClient(options, wiring);
}

/**
 * The Java producer's record accumulator in one producer instance.
 *
 * - `buffer.memory`: a record holds its bytes (`size`) from send() until it is
 *   acknowledged or fails: while lingering, in flight and awaiting a retry. A
 *   record that does not fit blocks send() (the Producer queues the
 *   application's later records behind it and fails it after `max.block.ms`).
 * - Retries: a write refused with a retriable error (partition offline,
 *   NotEnoughReplicas) or with no answer within `request.timeout.ms` is sent
 *   again after a backoff: `retry.backoff.ms` doubling per consecutive failed
 *   round up to `retry.backoff.max.ms`, with ±20% jitter from the stream
 *   `producer:<instance>:retry-backoff`. Records waiting for a retry go out
 *   together in send order, and new records queue behind them, so retries keep
 *   the instance's order (as the idempotent producer does per partition).
 * - `delivery.timeout.ms` after send() a record still unacknowledged fails;
 *   one in flight then is failed when its request ends (Kafka never expires an
 *   in-flight batch before its request completes or times out).
 * - `acks=0`: the producer waits for nothing, so a record is done (and its
 *   buffer room free) once sent, and the producer counts it as sent; one the
 *   broker never takes is lost without anyone hearing of it.
 */
class KafkaProducerClient implements ProducerClient {
  readonly maxBlock: number;
  readonly wantsAnswers: boolean;
  private used = 0;
  /**
   * Records in the buffer: message → delivery deadline. The application sends in message-id order, so
   * ascending ids (the order `keys` gives) are the order the records were taken in.
   */
  private readonly held = new IntMap();
  /** Records awaiting an answer: message → when their request times out. */
  private readonly inFlight = new IntMap();
  /**
   * Records waiting for the retry timer, in send order: the first `waitingCount` of `waiting`. A retry round
   * sends them from the other array, and the two trade places, so neither is made again per round (a new list
   * per round and a splice per record allocated on every retry).
   */
  private waiting: number[] = [];
  private waitingCount = 0;
  private retrying: number[] = [];
  private retryTimer = -1;
  /** Consecutive failed rounds since the last acknowledgment: the backoff's exponent. */
  private failures = 0;
  private readonly deliveryDeadlines: DeadlineQueue;
  private readonly requestDeadlines: DeadlineQueue;
  private readonly jitter: Rng;
  private readonly onRetry = (): void => this.retry();

  constructor(
    private readonly options: KafkaOptions,
    private readonly wiring: ProducerClientWiring,
  ) {
    this.maxBlock = options.maxBlock;
    this.wantsAnswers = options.acks !== "0";
    this.deliveryDeadlines = new DeadlineQueue(wiring.sim, (message, time) => this.deliveryDue(message, time));
    this.requestDeadlines = new DeadlineQueue(wiring.sim, (message, time) => this.requestDue(message, time));
    this.jitter = wiring.stream("retry-backoff");
  }

  offer(message: number): boolean {
    const { messages, sim } = this.wiring;
    const size = messages.size[messages.slot(message)]!;
    if (size > this.options.bufferMemory) {
      // Kafka throws at once: the record can never fit (RecordTooLargeException).
      failSend(messages, this.wiring.observer, message, sim.now);
      return true;
    }
    if (this.used + size > this.options.bufferMemory) return false;
    if (!this.wantsAnswers) {
      messages.producerView[messages.slot(message)] = ProducerView.confirmed;
      this.wiring.transmit(message);
      return true;
    }
    this.used += size;
    const deadline = sim.now + this.options.deliveryTimeout;
    this.held.set(message, deadline);
    this.deliveryDeadlines.add(message, deadline);
    if (this.retryTimer === -1) this.send(message);
    else this.enqueue(message);
    return true;
  }

  confirmed(message: number): void {
    // Any attempt's confirm will do, even one that timed out: the record is written.
    if (!this.held.has(message)) return;
    this.failures = 0;
    const { messages } = this.wiring;
    messages.producerView[messages.slot(message)] = ProducerView.confirmed;
    this.release(message);
  }

  refused(message: number): void {
    const { messages } = this.wiring;
    if (this.held.has(message) && messages.outcome[messages.slot(message)] === PublishOutcome.rejected) {
      // A final refusal (its transaction aborted): the application hears of it, and nothing is retried.
      messages.producerView[messages.slot(message)] = ProducerView.nacked;
      this.release(message);
      return;
    }
    if (!this.inFlight.has(message)) return;
    this.inFlight.delete(message);
    this.retryLater(message);
  }

  /** Every record it may still send or settle is in the buffer (in flight and awaiting a retry included). */
  oldestHeld(): number {
    return this.held.smallestKey();
  }

  crash(held: (message: number) => void): void {
    for (const message of this.held.keys()) held(message);
    this.held.clear();
    this.idle();
  }

  private send(message: number): void {
    const timeout = this.wiring.sim.now + this.options.requestTimeout;
    this.inFlight.set(message, timeout);
    this.requestDeadlines.add(message, timeout);
    this.wiring.transmit(message);
  }

  private requestDue(message: number, time: number): void {
    if (this.inFlight.get(message) !== time) return;
    this.inFlight.delete(message);
    this.retryLater(message);
  }

  private deliveryDue(message: number, time: number): void {
    // In flight: its request's answer or timeout decides (retryLater fails it then).
    if (this.held.get(message) === time && !this.inFlight.has(message)) this.fail(message);
  }

  private retryLater(message: number): void {
    if (this.wiring.sim.now >= this.held.get(message)!) {
      this.fail(message);
      return;
    }
    this.enqueue(message);
    if (this.retryTimer !== -1) return;
    this.retryTimer = this.wiring.sim.schedule(this.backoff(), this.onRetry);
    this.failures++;
  }

  /** Kafka's ExponentialBackoff: initial × 2^min(failures, log2(max / initial)), times a ±20% jitter. */
  private backoff(): number {
    const initial = this.options.retryBackoff;
    const max = this.options.retryBackoffMax;
    if (initial === 0 || max <= initial) return initial;
    const nominal = initial * 2 ** Math.min(this.failures, Math.log2(max / initial));
    return Math.round(nominal * (1 - RETRY_BACKOFF_JITTER + 2 * RETRY_BACKOFF_JITTER * this.jitter()));
  }

  private retry(): void {
    this.retryTimer = -1;
    const batch = this.waiting;
    const count = this.waitingCount;
    this.waiting = this.retrying;
    this.waitingCount = 0;
    this.retrying = batch;
    for (let index = 0; index < count; index++) {
      const message = batch[index]!;
      if (this.held.has(message) && !this.inFlight.has(message)) this.send(message);
    }
  }

  private fail(message: number): void {
    failSend(this.wiring.messages, this.wiring.observer, message, this.wiring.sim.now);
    this.release(message);
  }

  /** Keeps the waiting list in send order (message ids are in creation order, which is send order). */
  private enqueue(message: number): void {
    const { waiting } = this;
    let index = this.waitingCount;
    while (index > 0 && waiting[index - 1]! > message) {
      waiting[index] = waiting[index - 1]!;
      index--;
    }
    waiting[index] = message;
    this.waitingCount++;
  }

  /** The record leaves the buffer: its bytes are free for a blocked send. */
  private release(message: number): void {
    const { messages } = this.wiring;
    this.used -= messages.size[messages.slot(message)]!;
    this.held.delete(message);
    this.inFlight.delete(message);
    if (this.held.size === 0) this.idle();
    this.wiring.roomFreed();
  }

  /** Nothing held: no timer may keep the run alive. */
  private idle(): void {
    this.used = 0;
    this.inFlight.clear();
    this.waitingCount = 0;
    if (this.retryTimer !== -1) this.wiring.sim.cancel(this.retryTimer);
    this.retryTimer = -1;
    this.deliveryDeadlines.clear();
    this.requestDeadlines.clear();
  }
}
