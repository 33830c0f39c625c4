type Typed = Int32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array;

/**
 * One typed array per consumer group, indexed by message id, that grows with
 * the message table. Call `ensure(id)` before touching a new message.
 */
export class GroupColumn<T extends Typed> {
  readonly of: T[];

  constructor(
    groups: number,
    capacity: number,
    private readonly make: (length: number) => T,
    private readonly initial = 0,
  ) {
    this.of = Array.from({ length: groups }, () => this.fresh(capacity));
  }

  ensure(id: number): void {
    const current = this.of[0];
    if (current === undefined || id < current.length) return;
    let capacity = current.length;
    while (capacity <= id) capacity *= 2;
    for (let g = 0; g < this.of.length; g++) {
      const next = this.fresh(capacity);
      next.set(this.of[g]! as never);
      this.of[g] = next;
    }
  }

  private fresh(length: number): T {
    const array = this.make(Math.max(1, length));
    if (this.initial !== 0) array.fill(this.initial);
    return array;
  }
}

/** A growable typed array indexed by a sequence number (a position in a list or stream). */
export class SeqArray {
  values = new Int32Array(1024);

  set(seq: number, value: number): void {
    if (seq >= this.values.length) {
      let capacity = this.values.length;
      while (capacity <= seq) capacity *= 2;
      const next = new Int32Array(capacity);
      next.set(this.values);
      this.values = next;
    }
    this.values[seq] = value;
  }

  get(seq: number): number {
    return this.values[seq]!;
  }
}
