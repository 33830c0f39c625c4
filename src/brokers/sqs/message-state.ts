import type { MessageColumn, MessageTable } from "../../model/messages.js";

/** Where a message stands in one queue (one consumer group's subscription). */
export const Stage = { absent: 0, delayed: 1, visible: 2, inFlight: 3 } as const;

/** `receipt` while a delivery is being opened and its handle is not known yet. */
export const RECEIPT_PENDING = -2;
export const NO_RECEIPT = -1;

/**
 * Per queue and message: its stage, its latest receipt handle (a delivery), and the pending end of its
 * visibility timeout; per message, its broker arrival order. Message-table columns, so they grow and retire
 * with the table's rows: every read and write goes through the message's row (`MessageTable.slot`), which
 * throws for a retired message. (A column's array is replaced when the table grows, and a row may move then,
 * so neither is kept across a call that could create a message.)
 */
export class MessageState {
  private readonly stages: MessageColumn<Uint8Array>[];
  private readonly receipts: MessageColumn<Int32Array>[];
  private readonly timers: MessageColumn<Float64Array>[];
  /**
   * Per message, over all queues: visibility-timer events scheduled and not yet fired or cancelled. Usually the
   * one in `timers`; but a message sent again while in flight is received again with its first timer still
   * running (not cancelled), and that timer still reads the message when it fires.
   */
  private readonly timersRunning: MessageColumn<Uint16Array>;
  /** Broker arrival order of each message (shared by all queues): the order SQS keeps. */
  private readonly sequence: MessageColumn<Float64Array>;
  private nextSequence = 0;

  constructor(
    private readonly queues: number,
    private readonly messages: MessageTable,
  ) {
    this.stages = this.perQueue(() => messages.column((n) => new Uint8Array(n)));
    this.receipts = this.perQueue(() => messages.column((n) => new Int32Array(n), NO_RECEIPT));
    this.timers = this.perQueue(() => messages.column((n) => new Float64Array(n), -1));
    this.timersRunning = messages.column((n) => new Uint16Array(n));
    this.sequence = messages.column((n) => new Float64Array(n));
  }

  /** Records a message's arrival (again, for a resend or a redrive): it takes the newest place in the order. */
  arrive(message: number): void {
    this.sequence.values[this.messages.slot(message)] = this.nextSequence++;
  }

  /** The message's place in the broker's arrival order. */
  sequenceOf(message: number): number {
    return this.sequence.values[this.messages.slot(message)]!;
  }

  stage(queue: number, message: number): number {
    return this.stages[queue]!.values[this.messages.slot(message)]!;
  }

  setStage(queue: number, message: number, stage: number): void {
    this.stages[queue]!.values[this.messages.slot(message)] = stage;
  }

  /** The latest receipt handle (a delivery id), RECEIPT_PENDING or NO_RECEIPT. */
  receipt(queue: number, message: number): number {
    return this.receipts[queue]!.values[this.messages.slot(message)]!;
  }

  setReceipt(queue: number, message: number, receipt: number): void {
    this.receipts[queue]!.values[this.messages.slot(message)] = receipt;
  }

  /** A visibility timer (`event`) now runs for the message in `queue`. */
  timerStarted(queue: number, message: number, event: number): void {
    const row = this.messages.slot(message);
    this.timers[queue]!.values[row] = event;
    this.timersRunning.values[row]!++;
  }

  /** A visibility timer of the message in `queue` fired: the current one, or one a later receive replaced. */
  timerFired(queue: number, message: number): void {
    const row = this.messages.slot(message);
    this.timers[queue]!.values[row] = -1;
    this.timersRunning.values[row]!--;
  }

  /** The message's current timer in `queue` stops: returns its event for the caller to cancel, or -1 if none. */
  timerStopped(queue: number, message: number): number {
    const row = this.messages.slot(message);
    const event = this.timers[queue]!.values[row]!;
    if (event >= 0) this.timersRunning.values[row]!--;
    this.timers[queue]!.values[row] = -1;
    return event;
  }

  /** The lowest message with a visibility timer still to fire, or +Infinity (stragglers first: they are below the base). */
  oldestWithTimer(): number {
    const { messages } = this;
    const running = this.timersRunning.values;
    for (const message of messages.stragglerIds()) if (running[messages.slot(message)] !== 0) return message;
    for (let message = messages.base; message < messages.count; message++)
      if (running[message & messages.mask] !== 0) return message;
    return Number.POSITIVE_INFINITY;
  }

  /**
   * Visits every message a queue still holds (delayed, visible or in flight), by id, stragglers first; retired ones
   * hold nothing.
   */
  forEachHeld(queue: number, visit: (message: number, queue: number) => void): void {
    const { messages } = this;
    const stage = this.stages[queue]!;
    for (const message of messages.stragglerIds())
      if (stage.values[messages.slot(message)] !== Stage.absent) visit(message, queue);
    for (let message = messages.base; message < messages.count; message++) {
      if (stage.values[message & messages.mask] !== Stage.absent) visit(message, queue);
    }
  }

  private perQueue<T>(make: () => T): T[] {
    return Array.from({ length: this.queues }, make);
  }
}
