import type { Simulation } from "../engine/simulation.js";
import type { Sampler } from "../random/distributions.js";
import type { DeliveryTable } from "./deliveries.js";
import type { EffectLedger } from "./effects.js";
import type { IdempotencyGuard } from "./idempotency.js";
import { IntRing } from "./int-ring.js";
import type { MessageTable } from "./messages.js";
import type { Link } from "./network.js";
import type { RunObserver } from "./observer.js";

/** Where in its cycle a consumer can be made to crash. `now` crashes at once, wherever it is. */
export type CrashPoint = "now" | "after-receive" | "after-side-effect" | "after-dedup-record" | "before-ack";

export interface ConsumerOptions {
  index: number;
  group: number;
  /** Stable name, e.g. billing/2: used for random streams and fault targets. */
  name: string;
  concurrency: number;
  processing: Sampler;
  idempotency: IdempotencyGuard;
}

/** How a consumer reaches its broker; the profile decides what acks, nacks and crashes mean. */
export interface BrokerSide {
  ack(delivery: number): void;
  nack(delivery: number): void;
  consumerDown(consumer: number): void;
  consumerUp(consumer: number): void;
}

export interface ConsumerWiring {
  sim: Simulation;
  messages: MessageTable;
  deliveries: DeliveryTable;
  observer: RunObserver;
  /** Where side effects are applied (or staged until the broker commits them). */
  effects: EffectLedger;
  toBroker: Link;
  broker: BrokerSide;
  /** Per consumer: its current incarnation, bumped by every crash. */
  incarnations: Int32Array;
}

/**
 * One consumer instance. Its cycle for each delivery: receive, check the
 * dedup store, process, apply the side effect, record the id, ack. Deliveries
 * beyond `concurrency` wait in its local buffer. Once received, a delivery is
 * the consumer's own work: what the broker later does with it (a redelivery
 * elsewhere after a timeout, say) does not stop the processing under way. A
 * crash abandons everything the instance holds; the profile decides its fate.
 */
export class Consumer {
  private busy = 0;
  private readonly buffered = new IntRing();
  private readonly work = new WorkSlots();
  private armedCrash: { point: CrashPoint; onCrash: (held: number) => void } | null = null;
  private up = true;
  /** True while an ack is being sent, so a delivery it brings back waits its turn in the buffer. */
  private settling = false;
  /** Processing times are multiplied by this (a slow-consumer fault). */
  slowdown = 1;

  /** Receives a delivery; bound once so the network can call it without allocating. */
  readonly receive = (delivery: number): void => {
    const { deliveries, incarnations } = this.wiring;
    // A delivery the broker took back while it was on the wire, or sent to an earlier life, is ignored.
    if (!this.up || !deliveries.isOpen(delivery)) return;
    if (deliveries.incarnation(delivery) !== incarnations[this.options.index]) return;
    const slot = this.work.take(deliveries.message(delivery), delivery, incarnations[this.options.index]!);
    if (this.busy < this.options.concurrency && !this.settling) this.start(slot);
    else this.buffered.push(slot);
  };

  private readonly finish = (slot: number): void => {
    const { messages, sim } = this.wiring;
    const message = this.work.message[slot]!;
    if (messages.poison[message] === 1) {
      this.settle(slot, false);
      return;
    }
    const guard = this.options.idempotency;
    if (guard.recordsAtomically && guard.alreadyProcessed(message, sim.now)) {
      // The inbox row already exists (a parallel copy committed first): this transaction rolls back.
      this.consume(message);
      this.settle(slot, true);
      return;
    }
    this.wiring.effects.apply(message, this.options.index, this.work.incarnation[slot]!, sim.now);
    if (guard.recordsAtomically) guard.record(message, sim.now);
    this.consume(message);
    if (this.crashesAt("after-side-effect")) return;
    if (guard.records && !guard.recordsAtomically) {
      guard.record(message, sim.now);
      if (this.crashesAt("after-dedup-record")) return;
    }
    if (this.crashesAt("before-ack")) return;
    this.settle(slot, true);
  };

  private readonly ack: (delivery: number) => void;
  private readonly nack: (delivery: number) => void;

  constructor(
    readonly options: ConsumerOptions,
    private readonly wiring: ConsumerWiring,
  ) {
    const broker = wiring.broker;
    this.ack = (delivery) => broker.ack(delivery);
    this.nack = (delivery) => broker.nack(delivery);
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Deliveries the instance holds: being processed or waiting in its buffer. */
  get held(): number {
    return this.busy + this.buffered.length;
  }

  /** Makes the next pass through `point` crash the instance (`now` crashes immediately). */
  armCrash(point: CrashPoint, onCrash: (held: number) => void): void {
    if (!this.up) return;
    this.armedCrash = { point, onCrash };
    if (point === "now") this.crashesAt("now");
  }

  /**
   * A network partition cuts the consumer off: it keeps processing what it
   * holds (its acks are lost on the cut link), and the broker sees a dead
   * connection. Reconnecting starts a new session, as a restart does.
   */
  disconnect(): void {
    if (!this.up) return;
    this.wiring.incarnations[this.options.index]!++;
    this.wiring.broker.consumerDown(this.options.index);
  }

  reconnect(): void {
    if (!this.up) return;
    this.wiring.incarnations[this.options.index]!++;
    this.wiring.broker.consumerUp(this.options.index);
  }

  /** Cancels a crash armed for a point the consumer has not reached. */
  disarmCrash(): void {
    this.armedCrash = null;
  }

  /** Restarts a crashed instance with empty hands; the broker is told it is back. */
  restart(): void {
    if (this.up) return;
    this.up = true;
    // A new life: deliveries sent to the dead one (the broker had not noticed) are not this one's.
    this.wiring.incarnations[this.options.index]!++;
    this.wiring.broker.consumerUp(this.options.index);
  }

  private start(slot: number): void {
    this.busy++;
    if (this.crashesAt("after-receive")) return;
    const message = this.work.message[slot]!;
    if (this.options.idempotency.alreadyProcessed(message, this.wiring.sim.now)) {
      // Seen before: acknowledge without repeating the effect.
      this.consume(message);
      this.settle(slot, true);
      return;
    }
    const duration = Math.round(this.options.processing() * this.slowdown);
    this.work.event[slot] = this.wiring.sim.schedule(duration, this.finish, slot);
  }

  private consume(message: number): void {
    const { messages, observer, sim } = this.wiring;
    const group = this.options.group;
    observer.consumed(message, group, this.options.index, messages.recordConsumed(message, group), sim.now);
  }

  /** Acks (or, for a failed delivery, nacks) and moves on to the next buffered delivery. */
  private settle(slot: number, succeeded: boolean): void {
    const delivery = this.work.delivery[slot]!;
    this.work.release(slot);
    this.busy--;
    // At zero latency the ack can bring a new delivery at once; it queues behind what was already buffered.
    this.settling = true;
    this.wiring.toBroker.send(succeeded ? this.ack : this.nack, delivery);
    this.settling = false;
    while (this.buffered.length > 0 && this.busy < this.options.concurrency && this.up) {
      this.start(this.buffered.shift());
    }
  }

  private crashesAt(point: CrashPoint): boolean {
    const armed = this.armedCrash;
    if (armed === null || armed.point !== point) return false;
    this.armedCrash = null;
    const held = this.held;
    this.up = false;
    this.wiring.incarnations[this.options.index]!++;
    this.busy = 0;
    this.buffered.clear();
    this.work.releaseAll(this.wiring.sim);
    this.wiring.broker.consumerDown(this.options.index);
    armed.onCrash(held);
    return true;
  }
}

/**
 * A consumer's own record of the deliveries it holds, and the processing event
 * scheduled for each, so a crash can cancel work under way.
 */
class WorkSlots {
  message = new Int32Array(8);
  delivery = new Float64Array(8);
  /** The consumer's incarnation when it received the delivery: the life (and so the transaction) the work belongs to. */
  incarnation = new Int32Array(8);
  /** Handle of the scheduled end of processing, or -1. */
  event = new Float64Array(8).fill(-1);
  private free: number[] = [];
  private used = 0;

  take(message: number, delivery: number, incarnation: number): number {
    const slot = this.free.length > 0 ? this.free.pop()! : this.grow();
    this.message[slot] = message;
    this.delivery[slot] = delivery;
    this.incarnation[slot] = incarnation;
    this.event[slot] = -1;
    return slot;
  }

  release(slot: number): void {
    this.event[slot] = -1;
    this.free.push(slot);
  }

  /** Forgets every slot, cancelling processing under way. */
  releaseAll(sim: { cancel(event: number): void }): void {
    this.free.length = 0;
    for (let slot = this.used - 1; slot >= 0; slot--) {
      if (this.event[slot]! >= 0) sim.cancel(this.event[slot]!);
      this.event[slot] = -1;
      this.free.push(slot);
    }
  }

  private grow(): number {
    if (this.used === this.message.length) {
      this.message = copied(new Int32Array(this.used * 2), this.message);
      this.delivery = copied(new Float64Array(this.used * 2), this.delivery);
      this.incarnation = copied(new Int32Array(this.used * 2), this.incarnation);
      this.event = copied(new Float64Array(this.used * 2).fill(-1), this.event);
    }
    return this.used++;
  }
}

function copied<T extends Int32Array | Float64Array>(target: T, source: T): T {
  target.set(source);
  return target;
}
