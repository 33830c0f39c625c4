/**
 * A 4-ary min-heap of pending events, ordered by (time, priority, sequence).
 *
 * The heap's own arrays hold each entry's time, order and slot by heap position, so a sift compares
 * neighbouring numbers without looking anything up; the slot indexes what the sifts need not move (handler,
 * argument, generation, cancelled flag). Nothing is allocated per event once the arrays have grown to the
 * simulation's working size. A 4-ary heap halves the depth of a binary one and keeps a node's children
 * together in memory.
 *
 * The run loop `take`s the head and leaves it at the root while its handler runs: most handlers schedule one
 * event, which then replaces the root with one sift down, where a pop and a push take two sifts.
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
  /** By heap position: the event's time, its order (priority * 2^40 + sequence) and its slot. */
  private heapTimes: Float64Array;
  private heapOrders: Float64Array;
  private heapSlots: Int32Array;
  /** By slot. */
  private handlers: (EventHandler | undefined)[];
  private args: Float64Array;
  /** Bumped each time the slot is freed, so a stale handle cannot cancel a newer event. */
  private generations: Uint32Array;
  private cancelledFlags: Uint8Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private slotCount = 0;
  private count = 0;
  private nextSequence = 0;
  private cancelledCount = 0;
  /**
   * True while the event `take` handed out still sits at the root: the next push writes over it, and
   * anything else removes it first (`settleTaken`).
   */
  private taken = false;
  poppedTime = 0;
  poppedCancelled = false;
  poppedArg = 0;
  /** The popped event's (priority, sequence) order; its sequence is derived only when asked for. */
  private poppedOrder = 0;

  constructor(initialCapacity = 1024) {
    this.heapTimes = new Float64Array(initialCapacity);
    this.heapOrders = new Float64Array(initialCapacity);
    this.heapSlots = new Int32Array(initialCapacity);
    this.handlers = new Array<EventHandler | undefined>(initialCapacity).fill(undefined);
    this.args = new Float64Array(initialCapacity);
    this.generations = new Uint32Array(initialCapacity);
    this.cancelledFlags = new Uint8Array(initialCapacity);
    this.freeSlots = new Int32Array(initialCapacity);
  }

  get size(): number {
    if (this.taken) this.settleTaken();
    return this.count;
  }

  /** Events that will still run: the size less those cancelled but not yet popped. */
  get live(): number {
    if (this.taken) this.settleTaken();
    return this.count - this.cancelledCount;
  }

  /**
   * Time of the earliest event that will run, after dropping the cancelled ones ahead of it; Infinity when
   * none is left. One look at the head per event for the run loop, where three (cancelled? empty? when?) were.
   */
  liveHeadTime(): number {
    if (this.taken) this.settleTaken();
    while (this.count > 0) {
      if (this.cancelledFlags[this.heapSlots[0]!] !== 1) return this.heapTimes[0]!;
      this.pop();
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    if (this.taken) this.settleTaken();
    return this.count === 0 ? Number.POSITIVE_INFINITY : this.heapTimes[0]!;
  }

  /**
   * Adds an event and returns a handle for `cancel`. Priority is a small
   * integer (0..1023); lower runs first.
   */
  push(time: number, handler: EventHandler, arg: number, priority: number): number {
    const order = priority * 2 ** 40 + this.nextSequence++;
    let slot: number;
    if (this.taken) {
      // The event being run gives its slot and its place at the root to the first event it schedules.
      this.taken = false;
      slot = this.heapSlots[0]!;
      this.bumpGeneration(slot);
      this.siftDown(0, time, order, slot);
    } else {
      slot = this.freeCount > 0 ? this.freeSlots[--this.freeCount]! : this.newSlot();
      this.siftUp(this.count++, time, order, slot);
    }
    this.handlers[slot] = handler;
    this.args[slot] = arg;
    return (this.generations[slot]! << SLOT_BITS) | slot;
  }

  /**
   * Cancels the event behind `handle` if it has not run yet; returns whether it did.
   * The event stays in the heap and is reported as cancelled when popped, until cancelled events are
   * at least COMPACT_AT and more than half the heap: then they are all dropped at once (see dropCancelled).
   */
  cancel(handle: number): boolean {
    // Settled first, the event being run has a stale handle: cancelling it is a no-op, as once it has run.
    if (this.taken) this.settleTaken();
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
    const { heapTimes, heapOrders, heapSlots } = this;
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const slot = heapSlots[i]!;
      if (this.cancelledFlags[slot] === 1) {
        this.cancelledFlags[slot] = 0;
        this.release(slot);
        continue;
      }
      heapTimes[kept] = heapTimes[i]!;
      heapOrders[kept] = heapOrders[i]!;
      heapSlots[kept++] = slot;
    }
    this.count = kept;
    this.cancelledCount = 0;
    // Floyd's heap construction: sift down every parent, the last first.
    for (let i = (kept - 2) >> 2; i >= 0; i--) this.siftDown(i, heapTimes[i]!, heapOrders[i]!, heapSlots[i]!);
  }

  /** Frees an event's slot for reuse; the new generation makes the event's handle stale. */
  private release(slot: number): void {
    this.handlers[slot] = undefined;
    this.freeSlots[this.freeCount++] = slot;
    this.bumpGeneration(slot);
  }

  private bumpGeneration(slot: number): void {
    this.generations[slot] = (this.generations[slot]! + 1) & (GENERATION_SPACE - 1);
  }

  /**
   * Removes the earliest event and returns its handler, or undefined when empty.
   * The event's time, argument and sequence are left in `popped*` rather than
   * returned in a record, so popping allocates nothing.
   */
  pop(): EventHandler | undefined {
    if (this.taken) this.settleTaken();
    if (this.count === 0) return undefined;
    const handler = this.readHead();
    this.removeHead();
    return handler;
  }

  /**
   * The run loop's pop, for a live head (after `liveHeadTime`): like `pop`, but the event stays at the root,
   * taken, until the next push replaces it or another call removes it. The pop order is the same: pops
   * follow (time, priority, sequence), a total order.
   */
  take(): EventHandler {
    const handler = this.readHead()!;
    this.taken = true;
    return handler;
  }

  /** Reads the head into `popped*` and clears its cancelled flag; the head stays in the heap. */
  private readHead(): EventHandler | undefined {
    const slot = this.heapSlots[0]!;
    this.poppedTime = this.heapTimes[0]!;
    this.poppedOrder = this.heapOrders[0]!;
    this.poppedArg = this.args[slot]!;
    this.poppedCancelled = this.cancelledFlags[slot] === 1;
    if (this.poppedCancelled) {
      this.cancelledFlags[slot] = 0;
      this.cancelledCount--;
    }
    return this.handlers[slot];
  }

  /** Removes the head and frees its slot: the last entry moves to the root and sifts down. */
  private removeHead(): void {
    const { heapTimes, heapOrders, heapSlots } = this;
    this.release(heapSlots[0]!);
    const last = --this.count;
    if (last > 0) this.siftDown(0, heapTimes[last]!, heapOrders[last]!, heapSlots[last]!);
  }

  /** The taken event scheduled nothing: it leaves the heap now. */
  private settleTaken(): void {
    this.taken = false;
    this.removeHead();
  }

  /** Scheduling sequence of the popped event. A getter: a float modulo on every pop costs ~5% of a run. */
  get poppedSequence(): number {
    return this.poppedOrder % 2 ** 40;
  }

  /*
   * The sift loops read the arrays into locals: a comparison through `this` reloads every array field each
   * time (V8 cannot prove a call left them alone). The order is the same as comparing (time, then priority
   * and sequence) pair by pair.
   */
  /** Places the entry (time, order, slot) at `position` or above it. */
  private siftUp(position: number, time: number, order: number, slot: number): void {
    const { heapTimes, heapOrders, heapSlots } = this;
    let i = position;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const parentTime = heapTimes[parent]!;
      if (!(time < parentTime || (time === parentTime && order < heapOrders[parent]!))) break;
      heapTimes[i] = parentTime;
      heapOrders[i] = heapOrders[parent]!;
      heapSlots[i] = heapSlots[parent]!;
      i = parent;
    }
    heapTimes[i] = time;
    heapOrders[i] = order;
    heapSlots[i] = slot;
  }

  /** Places the entry (time, order, slot) at `position` or below it, among the first `count` positions. */
  private siftDown(position: number, time: number, order: number, slot: number): void {
    const { heapTimes, heapOrders, heapSlots } = this;
    const n = this.count;
    let i = position;
    for (;;) {
      const first = i * ARITY + 1;
      if (first >= n) break;
      let best = first;
      let bestTime = heapTimes[first]!;
      let bestOrder = heapOrders[first]!;
      const end = Math.min(first + ARITY, n);
      for (let c = first + 1; c < end; c++) {
        const candidateTime = heapTimes[c]!;
        if (candidateTime < bestTime || (candidateTime === bestTime && heapOrders[c]! < bestOrder)) {
          best = c;
          bestTime = candidateTime;
          bestOrder = heapOrders[c]!;
        }
      }
      if (!(bestTime < time || (bestTime === time && bestOrder < order))) break;
      heapTimes[i] = bestTime;
      heapOrders[i] = bestOrder;
      heapSlots[i] = heapSlots[best]!;
      i = best;
    }
    heapTimes[i] = time;
    heapOrders[i] = order;
    heapSlots[i] = slot;
  }

  private newSlot(): number {
    if (this.slotCount === SLOT_SPACE) throw new RangeError("more than 2^20 events pending at once");
    if (this.slotCount === this.args.length) this.grow();
    return this.slotCount++;
  }

  /** Doubles every array: the heap's (it never holds more entries than there are slots) and the slots'. */
  private grow(): void {
    const capacity = this.args.length * 2;
    this.heapTimes = resized(this.heapTimes, new Float64Array(capacity));
    this.heapOrders = resized(this.heapOrders, new Float64Array(capacity));
    this.heapSlots = resized(this.heapSlots, new Int32Array(capacity));
    this.handlers.length = capacity;
    this.args = resized(this.args, new Float64Array(capacity));
    this.generations = resized(this.generations, new Uint32Array(capacity));
    this.cancelledFlags = resized(this.cancelledFlags, new Uint8Array(capacity));
    this.freeSlots = resized(this.freeSlots, new Int32Array(capacity));
  }
}

function resized<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(array: T, next: T): T {
  next.set(array);
  return next;
}
