/**
 * A 4-ary min-heap of pending events, ordered by (time, priority, sequence).
 *
 * Events live in parallel arrays indexed by a slot number, and the heap holds
 * slot numbers, so scheduling and popping allocate nothing once the arrays have
 * grown to the simulation's working size. A 4-ary heap halves the depth of a
 * binary heap and keeps each node's children in one cache line.
 */
export type EventHandler = (arg: number) => void;

const ARITY = 4;
/**
 * Handles pack (generation, slot) into a small integer below 2^31, which V8
 * keeps unboxed: up to 2^20 pending events, generations counted modulo 2^11.
 * A handle is only ever cancelled while its event is pending, so the wrap of
 * the generation cannot make a stale handle hit a newer event in practice.
 */
const SLOT_BITS = 20;
const SLOT_SPACE = 2 ** SLOT_BITS;
const GENERATION_SPACE = 2 ** 11;
/** Cancelled events the heap may hold before it drops them all (when they are also more than half of it). */
const COMPACT_AT = 16;

export class EventQueue {
  private times: Float64Array;
  /** priority and sequence folded into one number: priority * 2^40 + sequence. */
  private orders: Float64Array;
  private handlers: (EventHandler | undefined)[];
  private args: Float64Array;
  private heap: Int32Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private slotCount = 0;
  private count = 0;
  private nextSequence = 0;
  /** Per slot: bumped each time the slot is reused, so a stale handle cannot cancel a newer event. */
  private generations: Uint32Array;
  private cancelledFlags: Uint8Array;
  private cancelledCount = 0;
  poppedTime = 0;
  poppedCancelled = false;
  poppedArg = 0;
  /** The popped event's (priority, sequence) order; its sequence is derived only when asked for. */
  private poppedOrder = 0;

  constructor(initialCapacity = 1024) {
    this.times = new Float64Array(initialCapacity);
    this.orders = new Float64Array(initialCapacity);
    this.args = new Float64Array(initialCapacity);
    this.handlers = new Array<EventHandler | undefined>(initialCapacity).fill(undefined);
    this.heap = new Int32Array(initialCapacity);
    this.freeSlots = new Int32Array(initialCapacity);
    this.generations = new Uint32Array(initialCapacity);
    this.cancelledFlags = new Uint8Array(initialCapacity);
  }

  get size(): number {
    return this.count;
  }

  /** Events that will still run: the size less those cancelled but not yet popped. */
  get live(): number {
    return this.count - this.cancelledCount;
  }

  /**
   * Time of the earliest event that will run, after dropping the cancelled ones ahead of it; Infinity when
   * none is left. One look at the head per event for the run loop, where three (cancelled? empty? when?) were.
   */
  liveHeadTime(): number {
    while (this.count > 0) {
      const head = this.heap[0]!;
      if (this.cancelledFlags[head] !== 1) return this.times[head]!;
      this.pop();
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : this.times[this.heap[0]!]!;
  }

  /**
   * Adds an event and returns a handle for `cancel`. Priority is a small
   * integer (0..1023); lower runs first.
   */
  push(time: number, handler: EventHandler, arg: number, priority: number): number {
    const slot = this.freeCount > 0 ? this.freeSlots[--this.freeCount]! : this.newSlot();
    const sequence = this.nextSequence++;
    this.times[slot] = time;
    this.orders[slot] = priority * 2 ** 40 + sequence;
    this.handlers[slot] = handler;
    this.args[slot] = arg;
    this.siftUp(this.count++, slot);
    return (this.generations[slot]! << SLOT_BITS) | slot;
  }

  /**
   * Cancels the event behind `handle` if it has not run yet; returns whether it did.
   * The event stays in the heap and is reported as cancelled when popped, until cancelled events are
   * at least COMPACT_AT and more than half the heap: then they are all dropped at once (see dropCancelled).
   */
  cancel(handle: number): boolean {
    const slot = handle & (SLOT_SPACE - 1);
    if (!(handle >= 0) || slot >= this.slotCount) return false;
    const live = this.handlers[slot] !== undefined && this.generations[slot] === handle >>> SLOT_BITS;
    if (!live || this.cancelledFlags[slot] === 1) return false;
    this.cancelledFlags[slot] = 1;
    this.cancelledCount++;
    if (this.cancelledCount >= COMPACT_AT && this.cancelledCount * 2 > this.count) this.dropCancelled();
    return true;
  }

  /**
   * Removes every cancelled event and rebuilds the heap from the rest. Cancelling leaves an event in the heap
   * (O(1)), but a model that cancels far more timers than run out (RabbitMQ's consumer_timeout tick,
   * cancelled whenever the last open delivery closes and armed again at the next delivery) would fill it
   * with dead events, and every push and pop would pay for their depth: the 1M rabbitmq benchmark averaged
   * 1,149 entries for 5 live ones. Dropping them once they are the majority costs O(1) per cancel, amortized.
   * The events left run in the same order: the heap's shape changes, but pops follow (time, priority,
   * sequence), a total order.
   */
  private dropCancelled(): void {
    const heap = this.heap;
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const slot = heap[i]!;
      if (this.cancelledFlags[slot] === 1) {
        this.cancelledFlags[slot] = 0;
        this.release(slot);
      } else heap[kept++] = slot;
    }
    this.count = kept;
    this.cancelledCount = 0;
    // Floyd's heap construction: sift down every parent, the last first.
    for (let i = (kept - 2) >> 2; i >= 0; i--) this.siftDown(i, heap[i]!);
  }

  /** Frees an event's slot for reuse; the new generation makes the event's handle stale. */
  private release(slot: number): void {
    this.handlers[slot] = undefined;
    this.freeSlots[this.freeCount++] = slot;
    this.generations[slot] = (this.generations[slot]! + 1) & (GENERATION_SPACE - 1);
  }

  /**
   * Removes the earliest event and returns its handler, or undefined when empty.
   * The event's time, argument and sequence are left in `popped*` rather than
   * returned in a record, so popping allocates nothing.
   */
  pop(): EventHandler | undefined {
    if (this.count === 0) return undefined;
    const slot = this.heap[0]!;
    const last = this.heap[--this.count]!;
    if (this.count > 0) this.siftDown(0, last);
    const handler = this.handlers[slot];
    this.poppedTime = this.times[slot]!;
    this.poppedArg = this.args[slot]!;
    this.poppedOrder = this.orders[slot]!;
    this.poppedCancelled = this.cancelledFlags[slot] === 1;
    if (this.poppedCancelled) {
      this.cancelledFlags[slot] = 0;
      this.cancelledCount--;
    }
    this.release(slot);
    return handler;
  }

  /** Scheduling sequence of the popped event. A getter: a float modulo on every pop costs ~5% of a run. */
  get poppedSequence(): number {
    return this.poppedOrder % 2 ** 40;
  }

  /*
   * The sift loops read the arrays into locals and keep the moving event's (time, order) and the best
   * child's in locals too: a comparison through `this` reloads every array field each time (V8 cannot
   * prove a call left them alone), and comparisons were most of the heap's cost in a profile. The order
   * is the same as comparing (time, then priority and sequence) pair by pair.
   */
  private siftUp(position: number, slot: number): void {
    const { heap, times, orders } = this;
    const time = times[slot]!;
    const order = orders[slot]!;
    let i = position;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const parentSlot = heap[parent]!;
      const parentTime = times[parentSlot]!;
      if (!(time < parentTime || (time === parentTime && order < orders[parentSlot]!))) break;
      heap[i] = parentSlot;
      i = parent;
    }
    heap[i] = slot;
  }

  private siftDown(position: number, slot: number): void {
    const { heap, times, orders } = this;
    const n = this.count;
    const time = times[slot]!;
    const order = orders[slot]!;
    let i = position;
    for (;;) {
      const first = i * ARITY + 1;
      if (first >= n) break;
      let best = first;
      let bestSlot = heap[first]!;
      let bestTime = times[bestSlot]!;
      let bestOrder = orders[bestSlot]!;
      const end = Math.min(first + ARITY, n);
      for (let c = first + 1; c < end; c++) {
        const candidate = heap[c]!;
        const candidateTime = times[candidate]!;
        if (candidateTime < bestTime || (candidateTime === bestTime && orders[candidate]! < bestOrder)) {
          best = c;
          bestSlot = candidate;
          bestTime = candidateTime;
          bestOrder = orders[candidate]!;
        }
      }
      if (!(bestTime < time || (bestTime === time && bestOrder < order))) break;
      heap[i] = bestSlot;
      i = best;
    }
    heap[i] = slot;
  }

  private newSlot(): number {
    if (this.slotCount === SLOT_SPACE) throw new RangeError("more than 2^20 events pending at once");
    if (this.slotCount === this.times.length) this.grow();
    return this.slotCount++;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    this.times = resized(this.times, capacity);
    this.orders = resized(this.orders, capacity);
    this.args = resized(this.args, capacity);
    this.handlers.length = capacity;
    const heap = new Int32Array(capacity);
    heap.set(this.heap);
    this.heap = heap;
    const free = new Int32Array(capacity);
    free.set(this.freeSlots);
    this.freeSlots = free;
    const generations = new Uint32Array(capacity);
    generations.set(this.generations);
    this.generations = generations;
    const flags = new Uint8Array(capacity);
    flags.set(this.cancelledFlags);
    this.cancelledFlags = flags;
  }
}

function resized(array: Float64Array, capacity: number): Float64Array {
  const next = new Float64Array(capacity);
  next.set(array);
  return next;
}
