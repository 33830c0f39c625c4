import type { Simulation } from "../engine/simulation.js";
import type { MessageTable } from "./messages.js";

/** A producer's `batch:` in base units, with the profile's cap on a batch's bytes. */
export interface PublishBatchOptions {
  size: number;
  /** How long (µs) the first message of a batch waits for the rest. */
  linger: number;
  /** Most bytes one batch may carry (SQS SendMessageBatch's total payload); Infinity for no cap. */
  maxBytes: number;
}

/** A producer's batches at the end of a run, as plain data. */
export interface PublishBatchFiguresSnapshot {
  bySize: number[];
  sent: number;
  lostUnsent: number;
}

/** A producer's batches (its instances together): how many were sent, and their sizes (index = size). */
export class PublishBatchFigures {
  readonly bySize: number[];
  sent = 0;
  /** Messages in batches a crash caught before they were sent. */
  lostUnsent = 0;

  constructor(size: number) {
    this.bySize = new Array<number>(size + 1).fill(0);
  }

  snapshot(): PublishBatchFiguresSnapshot {
    return { bySize: [...this.bySize], sent: this.sent, lostUnsent: this.lostUnsent };
  }
}

/**
 * The application side of batched publishing (SQS SendMessageBatch, a burst of basic.publish before
 * waitForConfirms, BullMQ addBulk, a Redis pipeline): messages wait until `size` are waiting, or `linger`
 * after the first, or until the next would take the batch over `maxBytes`; then the batch goes out as one
 * request. Even a zero linger goes through an event, so messages created at one instant share a batch.
 */
export class PublishBatcher {
  private pending: number[] = [];
  private pendingBytes = 0;
  private lingerEvent = -1;
  private readonly onLinger = (): void => {
    this.lingerEvent = -1;
    this.flush();
  };

  constructor(
    private readonly options: PublishBatchOptions,
    private readonly sim: Simulation,
    private readonly messages: MessageTable,
    readonly figures: PublishBatchFigures,
    private readonly ship: (batch: number[]) => void,
  ) {}

  add(message: number): void {
    const bytes = this.messages.size[this.messages.slot(message)]!;
    if (this.pending.length > 0 && this.pendingBytes + bytes > this.options.maxBytes) this.flush();
    this.pending.push(message);
    this.pendingBytes += bytes;
    if (this.pending.length >= this.options.size) this.flush();
    else if (this.lingerEvent < 0) this.lingerEvent = this.sim.schedule(this.options.linger, this.onLinger);
  }

  /** The lowest message id in the batch being filled (a resend may join behind newer ones), or +Infinity. */
  oldestHeld(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const message of this.pending) if (message < oldest) oldest = message;
    return oldest;
  }

  /** The producer crashed: the unsent batch is gone with the process; returns its messages. */
  crash(): number[] {
    this.stopLinger();
    const unsent = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.figures.lostUnsent += unsent.length;
    return unsent;
  }

  private flush(): void {
    this.stopLinger();
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.figures.sent++;
    this.figures.bySize[batch.length]!++;
    this.ship(batch);
  }

  private stopLinger(): void {
    if (this.lingerEvent >= 0) this.sim.cancel(this.lingerEvent);
    this.lingerEvent = -1;
  }
}

/**
 * Batches on the wire, by ticket: a request is one message on the producer's link, so its entries arrive
 * together and in order. A duplication fault delivers a request twice: the second copy finds no ticket and
 * is dropped (modelled as one request; see docs/patterns.md, "Batching").
 */
export class BatchesOnTheWire {
  private readonly batches = new Map<number, number[]>();
  private next = 0;

  put(batch: number[]): number {
    const ticket = this.next++;
    this.batches.set(ticket, batch);
    return ticket;
  }

  take(ticket: number): number[] | null {
    const batch = this.batches.get(ticket);
    if (batch === undefined) return null;
    this.batches.delete(ticket);
    return batch;
  }
}
