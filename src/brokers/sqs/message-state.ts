import { withRoomFor } from "../../model/growable.js";

/** Where a message stands in one queue (one consumer group's subscription). */
export const Stage = { absent: 0, delayed: 1, visible: 2, inFlight: 3 } as const;

/** `receipt` while a delivery is being opened and its handle is not known yet. */
export const RECEIPT_PENDING = -2;
export const NO_RECEIPT = -1;

/**
 * Per queue and message: its stage, its latest receipt handle (a delivery),
 * and the pending end of its visibility timeout. Column-wise typed arrays
 * indexed by message id, grown with the message table.
 */
export class MessageState {
  stage: Uint8Array[];
  receipt: Int32Array[];
  visibilityTimer: Float64Array[];
  /** Broker arrival order of each message (shared by all queues): the order SQS keeps. */
  sequence: Float64Array;
  private capacity = 1024;
  private nextSequence = 0;

  constructor(private readonly queues: number) {
    this.stage = this.perQueue(() => new Uint8Array(this.capacity));
    this.receipt = this.perQueue(() => new Int32Array(this.capacity).fill(NO_RECEIPT));
    this.visibilityTimer = this.perQueue(() => new Float64Array(this.capacity).fill(-1));
    this.sequence = new Float64Array(this.capacity);
  }

  /** Records a message's arrival, growing the columns to hold its id. */
  arrive(message: number): void {
    if (message >= this.capacity) this.grow(message);
    this.sequence[message] = this.nextSequence++;
  }

  /** Visits every message a queue still holds (delayed, visible or in flight), by id. */
  forEachHeld(queue: number, count: number, visit: (message: number, queue: number) => void): void {
    const stage = this.stage[queue]!;
    for (let message = 0; message < Math.min(count, this.capacity); message++) {
      if (stage[message] !== Stage.absent) visit(message, queue);
    }
  }

  private perQueue<T>(make: () => T): T[] {
    return Array.from({ length: this.queues }, make);
  }

  private grow(message: number): void {
    this.stage = this.stage.map((old) => withRoomFor(old, message));
    this.receipt = this.receipt.map((old) => withRoomFor(old, message, NO_RECEIPT));
    this.visibilityTimer = this.visibilityTimer.map((old) => withRoomFor(old, message, -1));
    this.sequence = withRoomFor(this.sequence, message);
    this.capacity = this.sequence.length;
  }
}
