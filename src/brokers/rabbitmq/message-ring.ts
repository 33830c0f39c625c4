/**
 * A growable ring of message ids that, unlike IntRing, can also insert in the
 * middle: a classic queue puts a requeued message back at its original
 * position, which is usually at or near the head, so inserts move few items.
 */
export class MessageRing {
  private items = new Int32Array(64);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** The value at logical position `index` (0 = head); the caller keeps it in range. */
  at(index: number): number {
    return this.items[(this.head + index) & (this.items.length - 1)]!;
  }

  peek(): number {
    return this.items[this.head]!;
  }

  push(value: number): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = value;
    this.count++;
  }

  shift(): number {
    const value = this.items[this.head]!;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return value;
  }

  /** Inserts `value` so that it ends up at logical position `index`, moving the shorter side. */
  insertAt(index: number, value: number): void {
    if (this.count === this.items.length) this.grow();
    const mask = this.items.length - 1;
    if (index < this.count / 2) {
      this.head = (this.head - 1) & mask;
      for (let k = 0; k < index; k++) this.items[(this.head + k) & mask] = this.items[(this.head + k + 1) & mask]!;
    } else {
      for (let k = this.count; k > index; k--)
        this.items[(this.head + k) & mask] = this.items[(this.head + k - 1) & mask]!;
    }
    this.items[(this.head + index) & mask] = value;
    this.count++;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  /** Visits values head first. */
  forEach(visit: (value: number) => void): void {
    for (let i = 0; i < this.count; i++) visit(this.at(i));
  }

  private grow(): void {
    const next = new Int32Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.at(i);
    this.items = next;
    this.head = 0;
  }
}
