/**
 * Every message of a run, stored column-wise in typed arrays indexed by message
 * id (ids are dense, assigned in creation order). A run of millions of messages
 * then costs a few typed arrays rather than millions of objects.
 */
export const NULL_KEY = -1;

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
  /** Messages the table can hold before it grows. */
  capacity: number;
  count = 0;
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

  constructor(groups: number, initialCapacity = 1 << 16) {
    this.capacity = initialCapacity;
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

  create(intendedAt: number, producer: number, key: number, size: number, poison = false): number {
    if (this.count === this.capacity) this.grow();
    const id = this.count++;
    // Ids are never reused, so a new row already holds the defaults (see `unsetRows`): only set the rest.
    this.intendedAt[id] = intendedAt;
    this.producer[id] = producer;
    this.key[id] = key;
    this.size[id] = size;
    if (poison) this.poison[id] = 1;
    return id;
  }

  priorityOf(id: number): number {
    return this.priority === null ? 0 : this.priority[id]!;
  }

  setPriority(id: number, priority: number): void {
    this.priority ??= new Uint8Array(this.capacity);
    this.priority[id] = priority;
  }

  routingKeyOf(id: number): number {
    return this.routingKey === null ? 0 : this.routingKey[id]!;
  }

  setRoutingKey(id: number, key: number): void {
    this.routingKey ??= new Uint16Array(this.capacity);
    this.routingKey[id] = key;
  }

  /**
   * False when `id` is not addressed to `group`: an exchange routed it elsewhere, or it belongs to a
   * pipeline stage that is not this group (the run marks those before the broker sees the publish).
   */
  addressedTo(id: number, group: number): boolean {
    return this.fate[group]![id] !== Fate.notRouted;
  }

  /** Records one consumption by `group` and returns how many there have been. */
  recordConsumed(id: number, group: number): number {
    const counts = this.consumedBy[group]!;
    const next = Math.min(255, counts[id]! + 1);
    counts[id] = next;
    return next;
  }

  /** Records that the broker accepted `id` now, after every message accepted before it. */
  recordAccepted(id: number): void {
    this.acceptOrder[id] = this.accepted++;
  }

  /** Counts one more delivery of `id` to `group` and returns the count (1 on the first). */
  recordDelivery(id: number, group: number): number {
    const counts = this.deliveryCount[group]!;
    const next = Math.min(65535, counts[id]! + 1);
    counts[id] = next;
    return next;
  }

  /** Records one application of the side effect by `group` and returns how many there have been. */
  recordEffect(id: number, group: number): number {
    const counts = this.effects[group]!;
    const next = Math.min(255, counts[id]! + 1);
    counts[id] = next;
    return next;
  }

  private grow(): void {
    this.capacity *= 2;
    this.intendedAt = grown(this.intendedAt, this.capacity);
    this.acceptedAt = grown(this.acceptedAt, this.capacity);
    this.producer = grown(this.producer, this.capacity);
    this.key = grown(this.key, this.capacity);
    this.size = grown(this.size, this.capacity);
    this.outcome = grown(this.outcome, this.capacity);
    this.producerView = grown(this.producerView, this.capacity);
    this.poison = grown(this.poison, this.capacity);
    if (this.priority !== null) this.priority = grown(this.priority, this.capacity);
    if (this.routingKey !== null) this.routingKey = grown(this.routingKey, this.capacity);
    this.partition = grown(this.partition, this.capacity);
    this.acceptOrder = grown(this.acceptOrder, this.capacity);
    this.copies = grown(this.copies, this.capacity);
    unsetRows(this, this.count);
    for (let g = 0; g < this.deliveryCount.length; g++) {
      this.deliveryCount[g] = grown(this.deliveryCount[g]!, this.capacity);
      this.effects[g] = grown(this.effects[g]!, this.capacity);
      this.fate[g] = grown(this.fate[g]!, this.capacity);
    }
    for (let g = 0; g < this.consumedBy.length; g++) this.consumedBy[g] = grown(this.consumedBy[g]!, this.capacity);
  }
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

type TypedArray = Float64Array | Int32Array | Uint16Array | Uint8Array;

function grown<T extends TypedArray>(array: T, capacity: number): T {
  const next = new (array.constructor as new (length: number) => T)(capacity);
  next.set(array);
  return next;
}
