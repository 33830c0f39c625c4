/**
 * The messages of a run still in play, stored column-wise in typed arrays (ids are dense, assigned in
 * creation order). A run of millions of messages then costs a few typed arrays rather than millions of
 * objects. The columns are rings: message `id` lives in row `slot(id)`, and rows below `base` have been
 * **retired** (folded into the run's end-of-run counters once nothing could change their fate, see
 * `retireBelow` and docs/design.md "Memory"), so their slots serve newer messages. Without retirement
 * `base` stays 0 and `slot(id) === id`. A message below `base` that someone still holds is a **straggler**
 * (`retireAround`): its row moved to a spare row past the ring, where `slot` finds it until it is retired too.
 */
import type { TypedArray } from "./growable.js";
import { Stragglers } from "./stragglers.js";

export const NULL_KEY = -1;

/** The mask of a table that is not a ring: `id & ALL_IDS === id` for every id (ids stay below 2^31). */
const ALL_IDS = 0x7fffffff;

/**
 * What the broker finally did with a message for a group, when it did not deliver it for good.
 * `notRouted`: the message was never addressed to the group (an exchange routed it to other
 * queues only), so the group neither expects it nor lags behind on it.
 */
export const Fate = { none: 0, deadLettered: 1, dropped: 2, notRouted: 3 } as const;

/** What the producer knows of its publish: still waiting, confirmed, refused, or never learned (gave up, crashed). */
export const ProducerView = { waiting: 0, confirmed: 1, nacked: 2, unknown: 3 } as const;

/** What the broker said about a publish: nothing yet, accepted, or rejected. */
export const PublishOutcome = { none: 0, accepted: 1, rejected: 2 } as const;

export class MessageTable {
  /** Rows the ring can hold before it grows (a power of two). */
  capacity: number;
  /** Spare rows past the ring, for stragglers: every column is `capacity + spare` long. */
  private spare = 0;
  private readonly stragglers = new Stragglers();
  /** `capacity - 1`: `id & mask` is the row of message `id`. */
  mask: number;
  /** Messages created so far: the next message's id. */
  count = 0;
  /** The oldest message still in the table: every id below it is retired. */
  base = 0;
  /** Poison messages among the retired ones (the poison fault counts them at the end). */
  retiredPoison = 0;
  private readonly retireListeners: ((id: number) => void)[] = [];
  private readonly retireRangeListeners: ((from: number, to: number) => void)[] = [];
  private readonly extraColumns: MessageColumn<TypedArray>[] = [];
  /** 1 for a message a producer crash lost before sending it; made at the first (see `markNeverSent`). */
  private neverSent: MessageColumn<Uint8Array> | null = null;
  /** When the producer meant to send it: end-to-end latency starts here, even if sending was blocked. */
  intendedAt: Float64Array;
  /** When the broker accepted it (NaN until then): queue wait starts here. */
  acceptedAt: Float64Array;
  producer: Int32Array;
  key: Int32Array;
  size: Float64Array;
  outcome: Uint8Array;
  /** The producer's side of the outcome: a ProducerView. */
  producerView: Uint8Array;
  /** Copies of the message the broker accepted: more than 1 when a producer retry was accepted again. */
  copies: Uint8Array;
  /** Position in the broker's acceptance order (0, 1, 2, ...), or -1 until accepted. */
  acceptOrder: Float64Array;
  private accepted = 0;
  /** The partition (or shard, or message group) a profile put the message in; 0 where there is one queue. */
  partition: Int32Array;
  /** 1 for a poison message: processing it always fails. */
  poison: Uint8Array;
  /**
   * AMQP message priorities (0-255) and routing keys (an index into the producer's list of routing keys):
   * columns only RabbitMQ scenarios use, allocated when a producer first sets one. Read them with
   * `priorityOf` and `routingKeyOf` (0 when never set, as AMQP treats a missing priority).
   */
  private priority: Uint8Array | null = null;
  private routingKey: Uint16Array | null = null;
  /** Per consumer group: deliveries so far (1 on the first), saturating at 65535. */
  readonly deliveryCount: Uint16Array[];
  /** Per consumer group: how many times a consumer applied the message's side effect (saturates at 255). */
  readonly effects: Uint8Array[];
  /** Per consumer group: a Fate, if the broker dead-lettered or dropped the message for that group. */
  readonly fate: Uint8Array[];
  /** Per consumer group: how many times the group consumed each message (saturates at 255). */
  readonly consumedBy: Uint8Array[];

  /**
   * `ring`: rows may be retired, so the capacity is a power of two and ids wrap around it. Otherwise the
   * table keeps every message at its id (the mask keeps every bit), sized exactly as asked.
   */
  constructor(groups: number, initialCapacity = 1 << 16, ring = true) {
    if (ring) initialCapacity = powerOfTwoAtLeast(initialCapacity);
    this.capacity = initialCapacity;
    this.mask = ring ? initialCapacity - 1 : ALL_IDS;
    this.intendedAt = new Float64Array(initialCapacity);
    this.acceptedAt = new Float64Array(initialCapacity);
    this.producer = new Int32Array(initialCapacity);
    this.key = new Int32Array(initialCapacity);
    this.size = new Float64Array(initialCapacity);
    this.outcome = new Uint8Array(initialCapacity);
    this.producerView = new Uint8Array(initialCapacity);
    this.poison = new Uint8Array(initialCapacity);
    this.partition = new Int32Array(initialCapacity);
    this.acceptOrder = new Float64Array(initialCapacity);
    this.copies = new Uint8Array(initialCapacity);
    unsetRows(this, 0);
    this.deliveryCount = Array.from({ length: groups }, () => new Uint16Array(initialCapacity));
    this.effects = Array.from({ length: groups }, () => new Uint8Array(initialCapacity));
    this.fate = Array.from({ length: groups }, () => new Uint8Array(initialCapacity));
    this.consumedBy = Array.from({ length: groups }, () => new Uint8Array(initialCapacity));
  }

  /** Whether rows may be retired (the table is a ring): only then does anyone ask who holds a message. */
  get retires(): boolean {
    return this.mask !== ALL_IDS;
  }

  /**
   * The row of message `id`. Reading or writing a retired message is a bug in whoever still held its id
   * (see CONTRIBUTING.md, "Whoever holds a message id"), so it fails loudly instead of reading a newer
   * message's row.
   */
  slot(id: number): number {
    // Out of line: with the error's template here, the code slot() is inlined into allocated ~24 bytes per
    // message on the 1M rabbitmq benchmark (a heap profile found it).
    if (id < this.base) return this.stragglerSlot(id);
    return id & this.mask;
  }

  private stragglerSlot(id: number): number {
    const spareRow = this.stragglers.spareRow(id);
    if (spareRow < 0) usedAfterRetirement(id, this.base);
    return this.capacity + spareRow;
  }

  /** Whether message `id` is still in the table: at or above its base, or a straggler. */
  inPlay(id: number): boolean {
    return id >= this.base ? id < this.count : this.stragglers.spareRow(id) >= 0;
  }

  /** The stragglers' ids, ascending (a new array: for scans of what is held, which visit them too). */
  stragglerIds(): number[] {
    return this.stragglers.ids();
  }

  /** Visits every message still in the table, ascending: the stragglers, then the ids from the base on. */
  forEachInPlay(visit: (id: number) => void): void {
    for (const id of this.stragglers.ids()) visit(id);
    for (let id = this.base; id < this.count; id++) visit(id);
  }

  create(intendedAt: number, producer: number, key: number, size: number, poison = false): number {
    if (this.count - this.base === this.capacity) this.grow();
    const id = this.count++;
    const row = id & this.mask;
    // A new row already holds the defaults (see `unsetRows`; retired rows are unset again): only set the rest.
    this.intendedAt[row] = intendedAt;
    this.producer[row] = producer;
    this.key[row] = key;
    this.size[row] = size;
    if (poison) this.poison[row] = 1;
    return id;
  }

  priorityOf(id: number): number {
    return this.priority === null ? 0 : this.priority[this.slot(id)]!;
  }

  setPriority(id: number, priority: number): void {
    this.priority ??= new Uint8Array(this.capacity + this.spare);
    this.priority[this.slot(id)] = priority;
  }

  routingKeyOf(id: number): number {
    return this.routingKey === null ? 0 : this.routingKey[this.slot(id)]!;
  }

  setRoutingKey(id: number, key: number): void {
    this.routingKey ??= new Uint16Array(this.capacity + this.spare);
    this.routingKey[this.slot(id)] = key;
  }

  /**
   * False when `id` is not addressed to `group`: an exchange routed it elsewhere, or it belongs to a
   * pipeline stage that is not this group (the run marks those before the broker sees the publish).
   */
  addressedTo(id: number, group: number): boolean {
    return this.fate[group]![this.slot(id)] !== Fate.notRouted;
  }

  /** Records one consumption by `group` and returns how many there have been. */
  recordConsumed(id: number, group: number): number {
    const counts = this.consumedBy[group]!;
    const row = this.slot(id);
    const next = Math.min(255, counts[row]! + 1);
    counts[row] = next;
    return next;
  }

  /** Records that the broker accepted `id` now, after every message accepted before it. */
  recordAccepted(id: number): void {
    this.acceptOrder[this.slot(id)] = this.accepted++;
  }

  /** Counts one more delivery of `id` to `group` and returns the count (1 on the first). */
  recordDelivery(id: number, group: number): number {
    const counts = this.deliveryCount[group]!;
    const row = this.slot(id);
    const next = Math.min(65535, counts[row]! + 1);
    counts[row] = next;
    return next;
  }

  /** Records one application of the side effect by `group` and returns how many there have been. */
  recordEffect(id: number, group: number): number {
    const counts = this.effects[group]!;
    const row = this.slot(id);
    const next = Math.min(255, counts[row]! + 1);
    counts[row] = next;
    return next;
  }

  /**
   * A column of one's own, one row per message, kept in step with the table's (grown and retired with
   * them; a retired row is reset to `fill`). Index it with `slot(id)`; `values` is replaced when the table grows.
   */
  column<T extends TypedArray>(make: (length: number) => T, fill = 0): MessageColumn<T> {
    const values = make(this.capacity + this.spare);
    if (fill !== 0) values.fill(fill);
    const column = { values, fill };
    this.extraColumns.push(column as MessageColumn<TypedArray>);
    return column;
  }

  /**
   * Bytes one message's row takes in every column the table has now: its own, each group's, and those added
   * with `column`. A run that keeps every row pays at least this per message (scenario/budgets.ts).
   */
  get rowBytes(): number {
    const own = [this.intendedAt, this.acceptedAt, this.producer, this.key, this.size, this.outcome];
    const more = [this.producerView, this.poison, this.priority, this.routingKey, this.partition];
    const rest = [this.acceptOrder, this.copies, ...this.extraColumns.map((column) => column.values)];
    const perGroup = [...this.deliveryCount, ...this.effects, ...this.fate, ...this.consumedBy];
    let bytes = 0;
    for (const column of [...own, ...more, ...rest, ...perGroup]) bytes += column?.BYTES_PER_ELEMENT ?? 0;
    return bytes;
  }

  /**
   * A producer crash lost message `id` before the producer sent it (its backlog, a batch being filled, a dual
   * write's pending commit, a request waiting for a slot), and nothing will send it: its publish is never
   * answered, so the retirement's cursor of unanswered publishes may pass it (`publishSettled`). Whoever may still
   * send an earlier or a later copy (an outbox relay, a producer that resends) holds it as before.
   */
  markNeverSent(id: number): void {
    this.neverSent ??= this.column((length) => new Uint8Array(length));
    this.neverSent.values[this.slot(id)] = 1;
  }

  /** Whether the publish of the message in `row` was answered, or never will be (`markNeverSent`). */
  publishSettled(row: number): boolean {
    return this.outcome[row] !== PublishOutcome.none || (this.neverSent !== null && this.neverSent.values[row] === 1);
  }

  /** `listener` hears each message as it is retired, in id order, before its row is reset. */
  onRetire(listener: (id: number) => void): void {
    this.retireListeners.push(listener);
  }

  /**
   * `listener` hears each run of retired ids, `from` up to `to` (exclusive), before their rows are reset: one
   * call per retirement rather than one per message, so a listener can fold them in a tight loop (the hot
   * path retires about a million messages a second).
   */
  onRetireRange(listener: (from: number, to: number) => void): void {
    this.retireRangeListeners.push(listener);
  }

  /**
   * Retires every message below `watermark`: the listeners fold each into their counters, then its row is
   * reset for a newer message. The caller guarantees nothing can read or change those messages any more.
   */
  retireBelow(watermark: number): void {
    this.retireAround(watermark, []);
  }

  /**
   * Retires every message below `cutoff` but those of `kept` (ascending ids from the base up to `cutoff`), which
   * someone still holds: they become stragglers, their rows copied to spare rows past the ring, and the base
   * moves to `cutoff` all the same. A long-lived holder then costs its own rows, not every row after them.
   */
  retireAround(cutoff: number, kept: readonly number[]): void {
    const end = Math.min(cutoff, this.count);
    if (end <= this.base) return;
    if (this.mask === ALL_IDS) throw new Error("invariant: messages retired from a table that is not a ring");
    if (kept.length > 0) this.keepApart(kept);
    let from = this.base;
    for (const id of kept) {
      this.fold(from, id);
      from = id + 1;
    }
    this.fold(from, end);
    for (const column of this.allColumns())
      resetRows(column.values, this.base, end, this.mask, this.capacity, column.fill);
    this.base = end;
  }

  /** Retires straggler `id`: no one holds it any more. */
  retireStraggler(id: number): void {
    const row = this.slot(id);
    this.fold(id, id + 1);
    for (const column of this.allColumns()) column.values[row] = column.fill;
    this.stragglers.remove(id);
  }

  /** The listeners fold messages `from` up to `to` (exclusive), and the poison count takes theirs. */
  private fold(from: number, to: number): void {
    if (to <= from) return;
    for (const listener of this.retireRangeListeners) listener(from, to);
    // Per-id listeners in a loop of their own: the usual run has none, and the poison count is a plain sum.
    if (this.retireListeners.length > 0)
      for (let id = from; id < to; id++) for (const listener of this.retireListeners) listener(id);
    const { poison, mask } = this;
    let poisoned = 0;
    if (from < this.base)
      poisoned = poison[this.slot(from)]!; // a straggler (one at a time)
    else for (let id = from; id < to; id++) poisoned += poison[id & mask]!;
    this.retiredPoison += poisoned;
  }

  /** Copies the rows of `ids` (in the ring) to spare rows, making room past the ring first. */
  private keepApart(ids: readonly number[]): void {
    const needed = this.stragglers.rowsNeededFor(ids.length);
    if (needed > this.spare) this.reshape(this.capacity, powerOfTwoAtLeast(needed));
    for (const id of ids) {
      const from = id & this.mask;
      const to = this.capacity + this.stragglers.add(id);
      for (const column of this.allColumns()) column.values[to] = column.values[from]!;
    }
  }

  private *allColumns(): Generator<MessageColumn<TypedArray>> {
    yield { values: this.acceptedAt, fill: Number.NaN };
    yield { values: this.acceptOrder, fill: -1 };
    for (const values of [this.intendedAt, this.producer, this.key, this.size, this.outcome, this.producerView])
      yield { values, fill: 0 };
    for (const values of [this.poison, this.partition, this.copies, this.priority, this.routingKey])
      if (values !== null) yield { values, fill: 0 };
    for (const columns of [this.deliveryCount, this.effects, this.fate, this.consumedBy])
      for (const values of columns) yield { values, fill: 0 };
    yield* this.extraColumns;
  }

  private grow(): void {
    this.reshape(this.capacity * 2, this.spare);
  }

  /** Every column remade with `capacity` ring rows and `spare` rows past them, each row kept. */
  private reshape(capacity: number, spare: number): void {
    const from = { base: this.base, count: this.count, mask: this.mask, capacity: this.capacity, spare: this.spare };
    this.capacity = capacity;
    this.spare = spare;
    if (this.mask !== ALL_IDS) this.mask = capacity - 1;
    const regrow = <T extends TypedArray>(array: T, fill = 0) => reshaped(array, capacity, spare, from, fill);
    this.intendedAt = regrow(this.intendedAt);
    this.acceptedAt = regrow(this.acceptedAt, Number.NaN);
    this.producer = regrow(this.producer);
    this.key = regrow(this.key);
    this.size = regrow(this.size);
    this.outcome = regrow(this.outcome);
    this.producerView = regrow(this.producerView);
    this.poison = regrow(this.poison);
    if (this.priority !== null) this.priority = regrow(this.priority);
    if (this.routingKey !== null) this.routingKey = regrow(this.routingKey);
    this.partition = regrow(this.partition);
    this.acceptOrder = regrow(this.acceptOrder, -1);
    this.copies = regrow(this.copies);
    for (let g = 0; g < this.deliveryCount.length; g++) {
      this.deliveryCount[g] = regrow(this.deliveryCount[g]!);
      this.effects[g] = regrow(this.effects[g]!);
      this.fate[g] = regrow(this.fate[g]!);
      this.consumedBy[g] = regrow(this.consumedBy[g]!);
    }
    for (const column of this.extraColumns) column.values = regrow(column.values, column.fill);
  }
}

/** A column kept in step with the message table's rows (see `MessageTable.column`). */
export interface MessageColumn<T extends TypedArray> {
  values: T;
  readonly fill: number;
}

/**
 * Gives rows `from` onwards their defaults before any message uses them. Every other column's default is
 * zero (PublishOutcome.none, ProducerView.waiting, priority 0, partition 0, no copies, not poison), which a
 * new typed array already holds.
 */
function unsetRows(table: MessageTable, from: number): void {
  table.acceptedAt.fill(Number.NaN, from);
  table.acceptOrder.fill(-1, from);
}

function powerOfTwoAtLeast(n: number): number {
  let power = 1;
  while (power < n) power *= 2;
  return power;
}

/** Sets the ring rows of ids [from, to) back to `fill`; the ids are at most one ring's length apart. */
function resetRows(values: TypedArray, from: number, to: number, mask: number, capacity: number, fill: number): void {
  if (to - from >= capacity) {
    values.fill(fill, 0, capacity);
    return;
  }
  const start = from & mask;
  const end = to & mask;
  if (start < end) values.fill(fill, start, end);
  else {
    values.fill(fill, start, capacity);
    values.fill(fill, 0, end);
  }
}

/**
 * `array` remade with `capacity` ring rows and `spare` rows past them. Without retirement (base 0), or with
 * the ring's size unchanged, ring rows keep their index; otherwise each live message moves to its row under
 * the new mask. Spare rows keep their order after the ring. New rows are set to `fill`.
 */
function reshaped<T extends TypedArray>(
  array: T,
  capacity: number,
  spare: number,
  from: { base: number; count: number; mask: number; capacity: number; spare: number },
  fill: number,
): T {
  const next = new (array.constructor as new (length: number) => T)(capacity + spare);
  if (fill !== 0) next.fill(fill);
  if (from.base === 0 || capacity === from.capacity) next.set(array.subarray(0, from.capacity));
  else for (let id = from.base; id < from.count; id++) next[id & (capacity - 1)] = array[id & from.mask]!;
  // (A table that is not a ring never retires, so its base stays 0 and the first branch copies it.)
  if (from.spare > 0) next.set(array.subarray(from.capacity, from.capacity + from.spare), capacity);
  return next;
}

function usedAfterRetirement(id: number, base: number): never {
  throw new Error(`invariant: message ${id} used after it was retired (base ${base})`);
}
