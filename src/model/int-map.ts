/**
 * A map from non-negative integer keys (message ids) to numbers, in two typed arrays with open addressing and
 * linear probing. A JavaScript Map allocates as entries come and go (its table is rebuilt as deletions pile
 * up), and a client holding one entry per record in flight churns through millions; this one allocates only
 * when it grows. Deletion shifts later entries of a probe run back, so no tombstones build up. No iteration
 * order is promised: `keys` returns them ascending.
 */
export class IntMap {
  private keysBySlot: Int32Array;
  private valuesBySlot: Float64Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 16) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.keysBySlot = new Int32Array(capacity).fill(-1);
    this.valuesBySlot = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  has(key: number): boolean {
    return this.slotOf(key) !== -1;
  }

  /** The value of `key`, or undefined. */
  get(key: number): number | undefined {
    const slot = this.slotOf(key);
    return slot === -1 ? undefined : this.valuesBySlot[slot];
  }

  set(key: number, value: number): void {
    let slot = this.home(key);
    while (this.keysBySlot[slot] !== -1 && this.keysBySlot[slot] !== key) slot = (slot + 1) & this.mask;
    if (this.keysBySlot[slot] === -1) {
      this.keysBySlot[slot] = key;
      this.count++;
    }
    this.valuesBySlot[slot] = value;
    if (this.count * 2 > this.mask + 1) this.grow();
  }

  delete(key: number): void {
    let hole = this.slotOf(key);
    if (hole === -1) return;
    this.count--;
    // Backward-shift: move each later entry of the run into the hole if its home does not lie after the hole.
    let slot = (hole + 1) & this.mask;
    while (this.keysBySlot[slot] !== -1) {
      const home = this.home(this.keysBySlot[slot]!);
      if (((slot - home) & this.mask) >= ((slot - hole) & this.mask)) {
        this.keysBySlot[hole] = this.keysBySlot[slot]!;
        this.valuesBySlot[hole] = this.valuesBySlot[slot]!;
        hole = slot;
      }
      slot = (slot + 1) & this.mask;
    }
    this.keysBySlot[hole] = -1;
  }

  clear(): void {
    if (this.count === 0) return;
    this.keysBySlot.fill(-1);
    this.count = 0;
  }

  /** The smallest key, or +Infinity when empty: one pass over the table, allocating nothing. */
  smallestKey(): number {
    let smallest = Number.POSITIVE_INFINITY;
    for (const key of this.keysBySlot) if (key !== -1 && key < smallest) smallest = key;
    return smallest;
  }

  /** Every key, ascending (a new array: for rare events such as a crash, not the hot path). */
  keys(): number[] {
    const keys: number[] = [];
    for (const key of this.keysBySlot) if (key !== -1) keys.push(key);
    return keys.sort((a, b) => a - b);
  }

  private home(key: number): number {
    return (Math.imul(key, 0x9e3779b1) >>> 0) & this.mask;
  }

  private slotOf(key: number): number {
    let slot = this.home(key);
    for (;;) {
      const found = this.keysBySlot[slot]!;
      if (found === key) return slot;
      if (found === -1) return -1;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const keys = this.keysBySlot;
    const values = this.valuesBySlot;
    this.keysBySlot = new Int32Array(keys.length * 2).fill(-1);
    this.valuesBySlot = new Float64Array(keys.length * 2);
    this.mask = keys.length * 2 - 1;
    this.count = 0;
    for (let slot = 0; slot < keys.length; slot++) if (keys[slot] !== -1) this.set(keys[slot]!, values[slot]!);
  }
}
