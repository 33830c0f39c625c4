import { IntMap } from "../../model/int-map.js";
import type { MessageColumn } from "../../model/messages.js";
import type { BrokerContext } from "../broker.js";
import { clearPartitions, lastStableOffsetOf, type TransactionPartitions, wroteFirstIn } from "./transactions.js";

/** Where an onward record stands in its stage's transaction. */
const State = { none: 0, openUnwritten: 1, openWritten: 2, aborted: 3, committedUnwritten: 4 } as const;

/**
 * One consumer instance's open transaction: the onward records it sent while processing its current batch. Reused
 * from a pool once ended (an object, a list and a Map per transaction allocated on every batch of a stage).
 */
interface StageTransaction extends TransactionPartitions {
  incarnation: number;
  /** The first `recordCount` are its records. */
  records: number[];
  recordCount: number;
  /** The lowest id among its records (+Infinity when it has none): what it may still read when it ends. */
  oldest: number;
}

/**
 * Consume-transform-produce for pipeline stages (`commit: transactional`): a stage's consumer is also a
 * transactional producer, and what it publishes onward while processing a batch belongs to the same
 * transaction as the batch's input offsets (sendOffsetsToTransaction). The consumer clients commit or
 * abort that transaction (clients.ts, `commitTransaction`); this module makes the onward records follow:
 *
 * - an onward record joins its publisher's open transaction when it reaches the broker (the stage
 *   publishes before it acks, over the same link, so it is always there before the commit; the Java
 *   producer's commitTransaction flushes what it sent first);
 * - it is written to the log at once, but read_committed consumers read no further than its offset
 *   while the transaction is open (the last stable offset), and skip it once aborted;
 * - the commit confirms every record of the transaction, the abort (a crash, a fenced zombie, the broker
 *   down at the commit) refuses them: downstream never sees them, and the input's redelivery publishes
 *   anew. A record that reaches the broker after its publisher crashed belongs to a fenced epoch and
 *   is aborted at once.
 *
 * So the dual-write gap closes: an input's onward messages become visible exactly when its offset is
 * committed. The side effect itself is exactly-once only if it is a Kafka write too (the run's effect
 * ledger holds a transactional group's effects until the commit); an effect outside Kafka (a database,
 * an email) repeats on redelivery as with any other commit.
 */
export class StageTransactions {
  /** Per message (a message-table column): where an onward record stands, a State. */
  private readonly state: MessageColumn<Uint8Array>;
  private readonly open: (StageTransaction | null)[];
  /**
   * Ended transactions, to be reused. A pool, not one per consumer: ending one accepts its records, which at zero
   * latency can send the consumer's next onward record, and so begin its next transaction, before the end is over.
   */
  private readonly spare: StageTransaction[] = [];
  /** Per consumer instance: the last incarnation that crashed (its epoch is fenced), or -1. */
  private readonly fenced: Int32Array;

  constructor(
    private readonly context: BrokerContext,
    /** Called for each partition whose LSO moved or whose records were aborted. */
    private readonly settled: (partition: number) => void,
  ) {
    this.open = new Array<StageTransaction | null>(context.consumers.length).fill(null);
    this.fenced = new Int32Array(context.consumers.length).fill(-1);
    this.state = context.messages.column((length) => new Uint8Array(length));
  }

  /**
   * An onward record reached the broker: it joins its publisher's open transaction (true), or is
   * refused because that publisher's epoch is gone (false). A producer's message is not ours (null).
   */
  arrived(message: number): boolean | null {
    const publisher = this.context.routing.stagePublisherOf?.(message) ?? null;
    if (publisher === null) return null;
    const { consumer, incarnation } = publisher;
    if (this.context.incarnations[consumer] !== incarnation || this.fenced[consumer] === incarnation) {
      this.context.reject(message);
      return false;
    }
    const transaction = this.open[consumer] ?? this.begin(consumer, incarnation);
    transaction.records[transaction.recordCount++] = message;
    if (message < transaction.oldest) transaction.oldest = message;
    this.mark(message, State.openUnwritten);
    return true;
  }

  /** Whether the broker's append should write `message` as part of a stage transaction (open or committed since). */
  holds(message: number): boolean {
    return this.stateOf(message) !== State.none;
  }

  /** Whether the record's transaction aborted before it was written: it is never written. */
  abortedUnwritten(message: number): boolean {
    return this.stateOf(message) === State.aborted;
  }

  /** The record was appended at `offset` of `partition`. */
  written(message: number, partition: number, offset: number): void {
    if (this.stateOf(message) === State.committedUnwritten) {
      this.mark(message, State.none);
      this.context.accept(message);
      return;
    }
    this.mark(message, State.openWritten);
    const consumer = this.context.routing.stagePublisherOf!(message)!.consumer;
    const transaction = this.open[consumer]!;
    wroteFirstIn(transaction, partition, offset);
    this.context.appendTentatively(message);
  }

  isAborted(message: number): boolean {
    return this.stateOf(message) === State.aborted;
  }

  /**
   * The lowest id among the open transactions' onward records, which their end marks, confirms or refuses;
   * +Infinity when none is open. One transaction per consumer instance at most. (A record committed or aborted
   * before it was written is an unanswered publish until the leader takes it.)
   */
  oldestHeld(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const transaction of this.open)
      if (transaction !== null && transaction.oldest < oldest) oldest = transaction.oldest;
    return oldest;
  }

  /** The first offset of the earliest open stage transaction in the partition, or `logEnd`. */
  lastStableOffset(partition: number, logEnd: number): number {
    return lastStableOffsetOf(this.open, partition, logEnd);
  }

  /** A consumer instance crashed: its transaction aborts, and what it sent that arrives later is fenced. */
  crashed(consumer: number, incarnation: number): void {
    this.fenced[consumer] = incarnation;
    this.abort(consumer, incarnation);
  }

  /** The consumer's transaction committed with its input offsets: its onward records become visible. */
  commit(consumer: number, incarnation: number): void {
    this.end(consumer, incarnation, true);
  }

  /** The consumer's transaction aborted (crash, fenced, broker down): its onward records are never seen. */
  abort(consumer: number, incarnation: number): void {
    this.end(consumer, incarnation, false);
  }

  private begin(consumer: number, incarnation: number): StageTransaction {
    const transaction = this.spare.pop() ?? {
      incarnation,
      records: [],
      recordCount: 0,
      oldest: Number.POSITIVE_INFINITY,
      firstOffset: new IntMap(),
      partitions: [],
      partitionCount: 0,
    };
    transaction.incarnation = incarnation;
    transaction.oldest = Number.POSITIVE_INFINITY;
    this.open[consumer] = transaction;
    return transaction;
  }

  private end(consumer: number, incarnation: number, committed: boolean): void {
    const transaction = this.open[consumer];
    if (!transaction || transaction.incarnation !== incarnation) return;
    this.open[consumer] = null;
    for (let index = 0; index < transaction.recordCount; index++) {
      const message = transaction.records[index]!;
      const written = this.stateOf(message) === State.openWritten;
      if (committed) {
        this.mark(message, written ? State.none : State.committedUnwritten);
        if (written) this.context.accept(message);
      } else {
        this.mark(message, State.aborted);
        if (written) this.context.reject(message);
      }
    }
    for (let index = 0; index < transaction.partitionCount; index++) this.settled(transaction.partitions[index]!);
    transaction.recordCount = 0;
    clearPartitions(transaction);
    this.spare.push(transaction);
  }

  private stateOf(message: number): number {
    return this.state.values[this.context.messages.slot(message)]!;
  }

  private mark(message: number, state: number): void {
    this.state.values[this.context.messages.slot(message)] = state;
  }
}
