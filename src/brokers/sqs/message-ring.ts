/** Each message's place in the broker's arrival order (MessageState). */
export interface ArrivalOrder {
  sequenceOf(message: number): number;
}

/**
 * A queue of message ids kept in arrival order, in a circular typed array.
 * Unlike IntRing it can take a message out of the middle (a standard queue's
 * out-of-order receive) and put one back where it arrived (a message whose
 * visibility timeout ran out), moving whichever side of the ring is shorter.
 */
export class MessageRing {
  private items = new Int32Array(16);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  at(index: number): number {
    return this.items[this.slot(index)]!;
  }

  push(message: number): void {
    this.insertAt(this.count, message);
  }

  shift(): number {
    return this.removeAt(0);
  }

  removeAt(index: number): number {
    const removed = this.at(index);
    if (index < this.count / 2) {
      for (let i = index; i > 0; i--) this.items[this.slot(i)] = this.at(i - 1);
      this.head = this.slot(1);
    } else {
      for (let i = index; i < this.count - 1; i++) this.items[this.slot(i)] = this.at(i + 1);
    }
    this.count--;
    return removed;
  }

  insertAt(index: number, message: number): void {
    if (this.count === this.items.length) this.grow();
    if (index < this.count / 2) {
      this.head = this.slot(this.items.length - 1);
      for (let i = 0; i < index; i++) this.items[this.slot(i)] = this.at(i + 1);
    } else {
      for (let i = this.count; i > index; i--) this.items[this.slot(i)] = this.at(i - 1);
    }
    this.items[this.slot(index)] = message;
    this.count++;
  }

  /** Puts a message where its arrival sequence says, searching from the tail (for messages that just arrived). */
  insertNewest(message: number, order: ArrivalOrder): void {
    const sequence = order.sequenceOf(message);
    let index = this.count;
    while (index > 0 && order.sequenceOf(this.at(index - 1)) > sequence) index--;
    this.insertAt(index, message);
  }

  /** Puts a message where its arrival sequence says, searching from the head (for messages coming back). */
  insertOldest(message: number, order: ArrivalOrder): void {
    const sequence = order.sequenceOf(message);
    let index = 0;
    while (index < this.count && order.sequenceOf(this.at(index)) < sequence) index++;
    this.insertAt(index, message);
  }

  /** Removes a message wherever it is; returns whether it was there. */
  remove(message: number): boolean {
    for (let i = 0; i < this.count; i++) {
      if (this.at(i) === message) {
        this.removeAt(i);
        return true;
      }
    }
    return false;
  }

  /** The lowest message id in the ring, or +Infinity when it is empty. */
  smallest(): number {
    let smallest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.count; i++) if (this.at(i) < smallest) smallest = this.at(i);
    return smallest;
  }

  forEach(visit: (message: number) => void): void {
    for (let i = 0; i < this.count; i++) visit(this.at(i));
  }

  private slot(index: number): number {
    return (this.head + index) & (this.items.length - 1);
  }

  private grow(): void {
    const next = new Int32Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.at(i);
    this.items = next;
    this.head = 0;
  }
}
