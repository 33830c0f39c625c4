/** A growable FIFO of integers in a circular typed array: no allocation per push or shift. */
export class IntRing {
  private items: Int32Array;
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 64) {
    this.items = new Int32Array(initialCapacity);
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = value;
    this.count++;
  }

  /** Puts a value in front of all others: it becomes the next one `shift` returns. */
  unshift(value: number): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1 + this.items.length) & (this.items.length - 1);
    this.items[this.head] = value;
    this.count++;
  }

  /** Removes every value. */
  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  /** Removes and returns the oldest value; the caller checks `length` first. */
  shift(): number {
    const value = this.items[this.head]!;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return value;
  }

  peek(): number {
    return this.items[this.head]!;
  }

  /** The value `index` places after the oldest (0 is the oldest); the caller checks `length` first. */
  at(index: number): number {
    return this.items[(this.head + index) & (this.items.length - 1)]!;
  }

  /** Keeps the oldest `length` values and removes the rest. */
  truncate(length: number): void {
    if (length < this.count) this.count = length;
  }

  /** Visits values oldest first. */
  forEach(visit: (value: number) => void): void {
    for (let i = 0; i < this.count; i++) visit(this.items[(this.head + i) & (this.items.length - 1)]!);
  }

  private grow(): void {
    const next = new Int32Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) & (this.items.length - 1)]!;
    this.items = next;
    this.head = 0;
  }
}
