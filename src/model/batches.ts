import type { Simulation } from "../engine/simulation.js";
import type { Sampler } from "../random/distributions.js";

/** What a consumer needs to run batches (a group's `batch:`, in microseconds, with its own overhead stream). */
export interface BatchOptions {
  size: number;
  /** How long a free worker waits (µs) for a batch to fill before it takes what it has. */
  wait: number;
  /** The batch's own cost (µs), drawn once per batch. */
  overhead: Sampler;
  /** The group's figures, shared by its instances. */
  figures: BatchFigures;
}

/** A group's batch figures at the end of a run, as plain data. */
export interface BatchFiguresSnapshot {
  bySize: number[];
  started: number;
  settled: number;
  abandoned: number;
  /** With a time series: batches begun and deliveries they held, per interval of `intervalMicros`. */
  series?: { intervalMicros: number; batches: number[]; deliveries: number[] };
}

/** Per consumer group: how many batches began, their sizes, and how many were settled as a whole. */
export class BatchFigures {
  /** Batches begun, by size (index = size). */
  readonly bySize: number[];
  started = 0;
  settled = 0;
  /** Begun and never settled: the instance crashed (or was killed) while processing them. */
  abandoned = 0;

  /** With a time series (for the chart of batch size over time): counts per interval. */
  private series: { intervalMicros: number; batches: number[]; deliveries: number[] } | null = null;

  constructor(readonly maxSize: number) {
    this.bySize = new Array<number>(maxSize + 1).fill(0);
  }

  /** Keeps batches begun and their deliveries per interval of `interval` µs, for the chart. */
  recordSeries(interval: number): void {
    this.series = { intervalMicros: interval, batches: [], deliveries: [] };
  }

  /** A worker began a batch of `size` deliveries at `now` (µs). */
  begun(size: number, now: number): void {
    this.started++;
    this.bySize[size]!++;
    const series = this.series;
    if (series === null) return;
    const at = Math.floor(now / series.intervalMicros);
    while (series.batches.length <= at) {
      series.batches.push(0);
      series.deliveries.push(0);
    }
    series.batches[at]!++;
    series.deliveries[at]! += size;
  }

  snapshot(): BatchFiguresSnapshot {
    const { started, settled, abandoned, series } = this;
    return { bySize: [...this.bySize], started, settled, abandoned, ...(series === null ? {} : { series }) };
  }
}

/** One batch in hand: its work slots in processing order, the next to process, and the slots whose processing failed. */
export interface OpenBatch {
  slots: number[];
  next: number;
  failed: number[];
}

/**
 * One consumer instance's batches: those being processed (each worker holds one), the timer of a worker
 * waiting for its batch to fill, and settlements on the wire. A settlement is one message to the broker
 * (DeleteMessageBatch, basic.ack with multiple=true, one XACK), so its deliveries travel together.
 */
export class BatchWork {
  private readonly open = new Map<number, OpenBatch>();
  private nextBatch = 0;
  private readonly onTheWire = new Map<number, { acks: number[]; nacks: number[] }>();
  private nextSettlement = 0;
  private collectEvent = -1;
  private collectDue = false;
  /** Deliveries in the batches being processed. */
  held = 0;

  constructor(
    readonly options: BatchOptions,
    private readonly sim: Simulation,
  ) {}

  /**
   * Whether a free worker takes a batch smaller than `size` now: only once its wait ran out. Otherwise the
   * wait begins (`onDue` runs when it ends). Even a zero wait goes through an event, so deliveries that
   * arrive at the same instant (one poll, one ReceiveMessage) land in one batch.
   */
  mayTakeShort(onDue: () => void): boolean {
    if (this.collectDue) return true;
    if (this.collectEvent < 0) this.collectEvent = this.sim.schedule(this.options.wait, onDue);
    return false;
  }

  /** The wait ran out (its event fired). */
  waitEnded(): void {
    this.collectEvent = -1;
    this.collectDue = true;
  }

  begin(slots: number[]): number {
    this.stopWaiting();
    const id = this.nextBatch++;
    this.open.set(id, { slots, next: 0, failed: [] });
    this.held += slots.length;
    const figures = this.options.figures;
    figures.begun(slots.length, this.sim.now);
    return id;
  }

  batch(id: number): OpenBatch {
    const batch = this.open.get(id);
    if (batch === undefined) throw new Error(`invariant: batch ${id} is not open`);
    return batch;
  }

  /** The batch is processed: it leaves the worker, and its settlement goes on the wire under the returned ticket. */
  end(id: number, acks: number[], nacks: number[]): number {
    const batch = this.batch(id);
    this.open.delete(id);
    this.held -= batch.slots.length;
    this.options.figures.settled++;
    const ticket = this.nextSettlement++;
    this.onTheWire.set(ticket, { acks, nacks });
    return ticket;
  }

  /**
   * A settlement reached the broker; null when it already did (a duplication fault delivered it twice: the
   * second copy's acks would all be stale, so it is dropped). One the link lost is never asked for: it stays
   * here, a few numbers, to the end.
   */
  arrived(ticket: number): { acks: number[]; nacks: number[] } | null {
    const settlement = this.onTheWire.get(ticket);
    if (settlement === undefined) return null;
    this.onTheWire.delete(ticket);
    return settlement;
  }

  /** The instance died or closed: its batches under way are abandoned and its wait ends. */
  reset(): void {
    this.options.figures.abandoned += this.open.size;
    this.open.clear();
    this.held = 0;
    this.stopWaiting();
  }

  private stopWaiting(): void {
    if (this.collectEvent >= 0) this.sim.cancel(this.collectEvent);
    this.collectEvent = -1;
    this.collectDue = false;
  }
}

/** Mean messages per batch (3 decimals), from the counts of batches by size; 0 without batches. */
export function meanBatchSize(bySize: readonly number[], count: number): number {
  let messages = 0;
  bySize.forEach((batches, size) => {
    messages += batches * size;
  });
  return count === 0 ? 0 : Math.round((messages / count) * 1000) / 1000;
}
