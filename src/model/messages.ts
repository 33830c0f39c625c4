/**
 * Every message of a run, stored column-wise in typed arrays indexed by message
 * id (ids are dense, assigned in creation order). A run of millions of messages
 * then costs a few typed arrays rather than millions of objects.
 */
export const NULL_KEY = -1;

/** What the broker said about a publish: nothing yet, accepted, or rejected. */
export const PublishOutcome = { none: 0, accepted: 1, rejected: 2 } as const;

export class MessageTable {
  private capacity: number;
  count = 0;
  /** When the producer meant to send it: end-to-end latency starts here, even if sending was blocked. */
  intendedAt: Float64Array;
  /** When the broker accepted it (NaN until then): queue wait starts here. */
  acceptedAt: Float64Array;
  producer: Int32Array;
  key: Int32Array;
  size: Float64Array;
  outcome: Uint8Array;
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
    this.consumedBy = Array.from({ length: groups }, () => new Uint8Array(initialCapacity));
  }

  create(intendedAt: number, producer: number, key: number, size: number): number {
    if (this.count === this.capacity) this.grow();
    const id = this.count++;
    this.intendedAt[id] = intendedAt;
    this.acceptedAt[id] = Number.NaN;
    this.producer[id] = producer;
    this.key[id] = key;
    this.size[id] = size;
    this.outcome[id] = PublishOutcome.none;
    return id;
  }

  /** Records one consumption by `group` and returns how many there have been. */
  recordConsumed(id: number, group: number): number {
    const counts = this.consumedBy[group]!;
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
    for (let g = 0; g < this.consumedBy.length; g++) this.consumedBy[g] = grown(this.consumedBy[g]!, this.capacity);
  }
}

type TypedArray = Float64Array | Int32Array | Uint8Array;

function grown<T extends TypedArray>(array: T, capacity: number): T {
  const next = new (array.constructor as new (length: number) => T)(capacity);
  next.set(array);
  return next;
}
