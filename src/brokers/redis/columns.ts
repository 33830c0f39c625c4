import { type TypedArray, withRoomFor } from "../../model/growable.js";

/**
 * One typed array per consumer group, indexed by message id, that grows with
 * the message table. Call `ensure(id)` before touching a new message.
 */
export class GroupColumn<T extends TypedArray> {
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
    for (let g = 0; g < this.of.length; g++) this.of[g] = withRoomFor(this.of[g]!, id, this.initial);
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
    this.values = withRoomFor(this.values, seq);
    this.values[seq] = value;
  }

  get(seq: number): number {
    return this.values[seq]!;
  }
}
