import type { Simulation } from "../../engine/simulation.js";
import { IntRing } from "../../model/int-ring.js";
import type { Rng } from "../../random/streams.js";
import type { BrokerContext, ConsumerSlot } from "../broker.js";
import type { CommonSettings } from "./settings.js";

/** What a receive loop asks of the queue. */
export interface ReceiveTarget {
  /** Whether a receive by a consumer of `queue` could get a message now. */
  receivable(queue: number): boolean;
  /** Whether SQS throttles the consumer's ReceiveMessage call now: -1 if not, else microseconds until it calls again. */
  throttleReceive(consumer: number): number;
  /** Serves one ReceiveMessage of up to `max` messages for `consumer`; returns how many it delivered. */
  receive(consumer: number, max: number): number;
}

export interface ReceiveLoopOptions {
  /** WaitTimeSeconds in microseconds: 0 = short polling. */
  wait: number;
  /** From a response to the next request reaching SQS. */
  roundTrip: number;
  /** MaxNumberOfMessages. */
  batch: number;
  emptyReceiveProbability: number;
}

/**
 * Each consumer's client-side receive loop. A consumer keeps one ReceiveMessage
 * outstanding while it has room (capacity left), asking for up to
 * MaxNumberOfMessages; a full consumer asks again when a delete or failure
 * frees room, its request travelling with that call.
 *
 * A request that finds nothing is not simulated poll by poll: the loop
 * remembers when its request reached SQS and, when a message becomes
 * receivable, computes when the consumer's polling would next see it. Short
 * polls repeat every round trip; a long poll waits `wait`, then the next one
 * arrives a round trip later. That gives the same timeline as polling
 * continuously, without events while queues are empty, so runs still drain.
 */
export class ReceiveLoops {
  /** Per consumer: messages it may still receive (capacity minus what it holds). */
  readonly free: Int32Array;
  private readonly alive: Uint8Array;
  private readonly pollEvent: Float64Array;
  /** Per consumer: when its current (or last) receive request reached SQS; the phase of its polling. */
  private readonly requestAt: Float64Array;
  private readonly waiting: IntRing[];
  private readonly inWaiting: Uint8Array;
  private readonly period: number;
  private readonly onPoll = (consumer: number): void => this.poll(consumer);

  constructor(
    private readonly sim: Simulation,
    private readonly consumers: readonly ConsumerSlot[],
    queues: number,
    private readonly options: ReceiveLoopOptions,
    private readonly target: ReceiveTarget,
    private readonly emptyRng: Rng,
  ) {
    const count = consumers.length;
    this.free = new Int32Array(count);
    this.alive = new Uint8Array(count).fill(1);
    this.pollEvent = new Float64Array(count).fill(-1);
    this.requestAt = new Float64Array(count);
    this.inWaiting = new Uint8Array(count);
    this.waiting = Array.from({ length: queues }, () => new IntRing());
    this.period = options.wait + options.roundTrip;
    for (const consumer of consumers) {
      this.free[consumer.index] = consumer.capacity;
      this.enterWaiting(consumer.index);
    }
  }

  isAlive(consumer: number): boolean {
    return this.alive[consumer] === 1;
  }

  /** Something may have become receivable in `queue`: waiting consumers poll when their loops next would. */
  wake(queue: number): void {
    const waiting = this.waiting[queue]!;
    if (waiting.length === 0 || !this.target.receivable(queue)) return;
    const now = this.sim.now;
    while (waiting.length > 0) {
      const consumer = waiting.shift();
      this.inWaiting[consumer] = 0;
      if (this.alive[consumer] === 0) continue;
      this.pollEvent[consumer] = this.sim.at(this.nextPoll(consumer, now), this.onPoll, consumer);
    }
  }

  /** A delete or failure from the consumer's current life freed room for one more message. */
  capacityReturned(consumer: number): void {
    this.free[consumer]!++;
    if (this.alive[consumer] === 1 && this.pollEvent[consumer]! < 0 && this.inWaiting[consumer] === 0) {
      this.requestNow(consumer);
    }
  }

  consumerDown(consumer: number): void {
    this.alive[consumer] = 0;
    if (this.pollEvent[consumer]! >= 0) this.sim.cancel(this.pollEvent[consumer]!);
    this.pollEvent[consumer] = -1;
  }

  /** A restarted consumer holds nothing and sends a fresh receive. */
  consumerUp(consumer: number): void {
    this.alive[consumer] = 1;
    this.free[consumer] = this.consumers[consumer]!.capacity;
    if (this.inWaiting[consumer] === 1) this.requestAt[consumer] = this.sim.now;
    else this.requestNow(consumer);
  }

  private requestNow(consumer: number): void {
    const now = this.sim.now;
    this.requestAt[consumer] = now;
    if (this.target.receivable(this.queueOf(consumer)))
      this.pollEvent[consumer] = this.sim.at(now, this.onPoll, consumer);
    else this.enterWaiting(consumer);
  }

  private poll(consumer: number): void {
    this.pollEvent[consumer] = -1;
    if (this.alive[consumer] === 0 || this.free[consumer] === 0) return;
    const now = this.sim.now;
    this.requestAt[consumer] = this.cycleStart(consumer, now);
    if (!this.target.receivable(this.queueOf(consumer))) {
      this.enterWaiting(consumer);
      return;
    }
    const throttled = this.target.throttleReceive(consumer);
    if (throttled >= 0) {
      this.pollAt(consumer, now + throttled);
      return;
    }
    const { wait, roundTrip, batch, emptyReceiveProbability } = this.options;
    // A short poll samples a subset of SQS's servers and may miss every visible message.
    if (wait === 0 && emptyReceiveProbability > 0 && this.emptyRng() < emptyReceiveProbability) {
      this.pollAt(consumer, now + roundTrip);
      return;
    }
    const received = this.target.receive(consumer, Math.min(this.free[consumer]!, batch));
    if (received === 0) this.enterWaiting(consumer);
    else if (this.free[consumer]! > 0) this.pollAt(consumer, now + roundTrip);
  }

  private pollAt(consumer: number, at: number): void {
    if (this.pollEvent[consumer]! >= 0) return;
    this.requestAt[consumer] = at;
    this.pollEvent[consumer] = this.sim.at(at, this.onPoll, consumer);
  }

  /** The start of the polling cycle (request arrival) the consumer is in at `now`. */
  private cycleStart(consumer: number, now: number): number {
    const start = this.requestAt[consumer]!;
    if (now <= start || this.period === 0) return Math.min(now, start);
    // Most polls come within their first cycle: spare them the division.
    if (now - start < this.period) return start;
    return start + Math.floor((now - start) / this.period) * this.period;
  }

  /** When the consumer's loop next looks at the queue: now if a long poll is open, else its next request. */
  private nextPoll(consumer: number, now: number): number {
    const start = this.requestAt[consumer]!;
    if (now <= start) return start;
    if (this.period === 0) return now;
    const cycle = this.cycleStart(consumer, now);
    return now - cycle <= this.options.wait ? now : cycle + this.period;
  }

  private enterWaiting(consumer: number): void {
    if (this.inWaiting[consumer] === 1) return;
    this.inWaiting[consumer] = 1;
    this.waiting[this.queueOf(consumer)]!.push(consumer);
  }

  private queueOf(consumer: number): number {
    return this.consumers[consumer]!.group;
  }
}

/** The receive loops a queue's settings describe; the short-poll stream is drawn only when short polls can miss. */
export function receiveLoopsFor(context: BrokerContext, settings: CommonSettings, target: ReceiveTarget): ReceiveLoops {
  const wait = settings.WaitTimeSeconds ?? settings.ReceiveMessageWaitTimeSeconds;
  const options = {
    wait,
    roundTrip: settings.receiveRoundTrip,
    batch: settings.MaxNumberOfMessages,
    emptyReceiveProbability: settings.emptyReceiveProbability,
  };
  const emptyRng = wait === 0 && settings.emptyReceiveProbability > 0 ? context.stream("short-poll") : () => 1;
  return new ReceiveLoops(context.sim, context.consumers, context.groupCount, options, target, emptyRng);
}
