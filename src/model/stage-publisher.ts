/**
 * Pipelines. A consumer group may be a stage that publishes onward: once its side effect is applied
 * (and, with a dedup store, its id recorded), the consumer hands the input to its `StagePublisher`,
 * which creates the onward messages and sends them to the broker over the consumer's own link, before
 * the ack. So the dual-write gap is the span between the side effect and that call: a crash there
 * (crash points `after-side-effect` and `after-dedup-record`) leaves the effect applied and nothing
 * published. Request-reply, sagas and a second broker build on this same call.
 */
export interface StagePublisher {
  /**
   * The consumer `consumer` applied the side effect of `message` (this delivery's; a redelivery that
   * applies it again calls again, so duplicates propagate): publish what the stage sends onward.
   */
  publishOnward(message: number, consumer: number): void;
  /**
   * The consumer `consumer` gave up on `message` after its retry policy's last attempt and dead-lettered,
   * parked or dropped it itself (not a nack): a saga takes that as its step's failure and compensates.
   */
  gaveUp?(message: number, consumer: number): void;
  /**
   * How `consumer`'s stage commits its onward messages: in its side effect's transaction, to a dual write
   * or an outbox (then `publishOnward` comes with the effect, before the crash point after it), or null:
   * published after the effect and the id, as above.
   */
  writesOf?(consumer: number): "dual-write" | "outbox" | null;
  /** The instance's process died or came back: its dual write or outbox relay with it. */
  crashed?(consumer: number): void;
  restarted?(consumer: number): void;
}

/**
 * Where each message came from: the producer's message at the root of its flow and the message whose
 * processing published it. Messages a producer created have no row here (root = itself, parent -1);
 * the columns grow only as stages publish, so a scenario without stages pays nothing.
 */
export class Lineage {
  private rootColumn = new Int32Array(0);
  private parentColumn = new Int32Array(0);
  /** Onward messages recorded: the number of rows in use is the highest id + 1. */
  private rows = 0;

  /** Records that `message` was published onward while `parent` was processed. */
  record(message: number, parent: number): void {
    if (message >= this.rootColumn.length) this.grow(message + 1);
    this.rootColumn[message] = this.rootOf(parent) + 1;
    this.parentColumn[message] = parent + 1;
    this.rows = Math.max(this.rows, message + 1);
  }

  /** The producer's message whose flow `message` belongs to (itself for a producer's message). */
  rootOf(message: number): number {
    const stored = message < this.rows ? this.rootColumn[message]! : 0;
    return stored === 0 ? message : stored - 1;
  }

  /** The message whose processing published `message`, or -1 for a producer's message. */
  parentOf(message: number): number {
    return (message < this.rows ? this.parentColumn[message]! : 0) - 1;
  }

  isOnward(message: number): boolean {
    return this.parentOf(message) >= 0;
  }

  private grow(least: number): void {
    const capacity = Math.max(least, this.rootColumn.length * 2, 1024);
    const root = new Int32Array(capacity);
    root.set(this.rootColumn);
    this.rootColumn = root;
    const parent = new Int32Array(capacity);
    parent.set(this.parentColumn);
    this.parentColumn = parent;
  }
}
