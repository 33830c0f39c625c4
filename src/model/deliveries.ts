import { lengthened } from "./growable.js";

/**
 * Deliveries in flight: a message handed to one consumer and not yet settled
 * (acked, nacked, or taken back by the broker). Slots are recycled, so their
 * number stays at the peak of open deliveries rather than growing with the run.
 *
 * A delivery is named by a handle that packs the slot with a generation count,
 * so a late ack for a delivery the broker already took back (after a crash, say)
 * is recognized as stale instead of settling whatever now uses the slot. The
 * handle stays below 2^31 so V8 keeps it unboxed: 2^20 slots, generations
 * modulo 2^11 (a slot would have to be reused 2,048 times while an ack is on
 * the wire for a stale ack to be mistaken for a current one).
 */
const SLOT_BITS = 20;
const SLOT_SPACE = 2 ** SLOT_BITS;
const SLOT_MASK = SLOT_SPACE - 1;
const GENERATIONS = 2 ** 11;

export class DeliveryTable {
  private messages = new Int32Array(256);
  private consumers = new Int32Array(256);
  private incarnations = new Int32Array(256);
  private deliveredTimes = new Float64Array(256);
  private generations = new Uint32Array(256);
  private live = new Uint8Array(256);
  private free: number[] = [];
  private used = 0;
  /** Deliveries currently open. */
  inFlight = 0;

  /** Opens a delivery of `message` to `consumer` (in its `incarnation`) and returns its handle. */
  open(message: number, consumer: number, incarnation: number, now: number): number {
    const slot = this.free.length > 0 ? this.free.pop()! : this.newSlot();
    this.messages[slot] = message;
    this.consumers[slot] = consumer;
    this.incarnations[slot] = incarnation;
    this.deliveredTimes[slot] = now;
    this.live[slot] = 1;
    this.inFlight++;
    return (this.generations[slot]! << SLOT_BITS) | slot;
  }

  /** Whether `handle` names a delivery that is still open. */
  isOpen(handle: number): boolean {
    const slot = handle & SLOT_MASK;
    return this.live[slot] === 1 && this.generations[slot] === handle >>> SLOT_BITS;
  }

  close(handle: number): void {
    // Thrown from a function of its own: a template string here made the code close() is inlined into allocate.
    if (!this.isOpen(handle)) closedWhenNotOpen(handle);
    const slot = handle & SLOT_MASK;
    this.live[slot] = 0;
    this.generations[slot] = (this.generations[slot]! + 1) % GENERATIONS;
    this.free.push(slot);
    this.inFlight--;
  }

  message(handle: number): number {
    return this.messages[handle & SLOT_MASK]!;
  }

  consumer(handle: number): number {
    return this.consumers[handle & SLOT_MASK]!;
  }

  incarnation(handle: number): number {
    return this.incarnations[handle & SLOT_MASK]!;
  }

  deliveredAt(handle: number): number {
    return this.deliveredTimes[handle & SLOT_MASK]!;
  }

  /** Visits the handles of open deliveries, in slot order (deterministic). */
  forEachOpen(visit: (handle: number) => void): void {
    for (let slot = 0; slot < this.used; slot++) {
      if (this.live[slot] === 1) visit((this.generations[slot]! << SLOT_BITS) | slot);
    }
  }

  /**
   * The lowest message id of an open delivery at or above `from`, or +Infinity when there is none (for
   * retirement, which asks from the message table's base: a straggler below it pins nothing).
   */
  oldestMessage(from = Number.NEGATIVE_INFINITY): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (let slot = 0; slot < this.used; slot++) {
      const message = this.messages[slot]!;
      if (this.live[slot] === 1 && message < oldest && message >= from) oldest = message;
    }
    return oldest;
  }

  private newSlot(): number {
    if (this.used === this.messages.length) {
      const capacity = this.used * 2;
      if (capacity > SLOT_SPACE) throw new RangeError("more than 2^20 deliveries open at once");
      this.messages = lengthened(this.messages, capacity);
      this.consumers = lengthened(this.consumers, capacity);
      this.incarnations = lengthened(this.incarnations, capacity);
      this.deliveredTimes = lengthened(this.deliveredTimes, capacity);
      this.generations = lengthened(this.generations, capacity);
      this.live = lengthened(this.live, capacity);
    }
    return this.used++;
  }
}

function closedWhenNotOpen(handle: number): never {
  throw new Error(`invariant: delivery ${handle} closed when not open`);
}
