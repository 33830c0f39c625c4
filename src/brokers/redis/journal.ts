/**
 * Undo records of the writes Redis made since its data was last durable
 * (snapshotted or fsynced). A crash undoes them newest first, which leaves
 * exactly the durable state. Each record is a before-image: what one field
 * held before the write, so undoing needs no knowledge of the write itself.
 * Stored column-wise in typed arrays.
 */
export type UndoRecord = (kind: number, group: number, message: number, a: number, b: number, c: number) => void;

export class Journal {
  private kinds = new Uint8Array(1024);
  private groups = new Int32Array(1024);
  private messages = new Int32Array(1024);
  private as = new Float64Array(1024);
  private bs = new Float64Array(1024);
  private cs = new Float64Array(1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(kind: number, group: number, message: number, a: number, b = 0, c = 0): void {
    if (this.count === this.kinds.length) this.grow();
    const at = this.count++;
    this.kinds[at] = kind;
    this.groups[at] = group;
    this.messages[at] = message;
    this.as[at] = a;
    this.bs[at] = b;
    this.cs[at] = c;
  }

  clear(): void {
    this.count = 0;
  }

  /** Undoes every record, newest first, then forgets them. */
  undoAll(undo: UndoRecord): void {
    for (let at = this.count - 1; at >= 0; at--) {
      undo(this.kinds[at]!, this.groups[at]!, this.messages[at]!, this.as[at]!, this.bs[at]!, this.cs[at]!);
    }
    this.clear();
  }

  private grow(): void {
    const size = this.kinds.length * 2;
    const grown = <T extends Uint8Array | Int32Array | Float64Array>(array: T, next: T): T => {
      next.set(array);
      return next;
    };
    this.kinds = grown(this.kinds, new Uint8Array(size));
    this.groups = grown(this.groups, new Int32Array(size));
    this.messages = grown(this.messages, new Int32Array(size));
    this.as = grown(this.as, new Float64Array(size));
    this.bs = grown(this.bs, new Float64Array(size));
    this.cs = grown(this.cs, new Float64Array(size));
  }
}
