import { IntMap } from "../../model/int-map.js";
import type { MessageColumn } from "../../model/messages.js";
import type { BrokerContext } from "../broker.js";
import type { KafkaOptions } from "./settings.js";

/** Where a record stands in its producer's transaction; records of non-transactional producers stay `none`. */
const State = { none: 0, open: 1, aborted: 2 } as const;

/**
 * A producer's open transaction. Reused from a pool once ended (an object, a list and a Map per transaction, and a
 * sorted copy of its partitions at the end, were allocated on every transaction).
 */
interface Transaction extends TransactionPartitions {
  producer: number;
  /** Message ids in write order: the first `recordCount`. */
  records: number[];
  recordCount: number;
  /** The lowest id among its records (+Infinity when it has none): what it may still read when it ends. */
  oldest: number;
  commitEvent: number;
  timeoutEvent: number;
}

/** The partitions a transaction wrote to, with the offset of its first record in each. */
export interface TransactionPartitions {
  /** Partition → the offset of the transaction's first record there: what holds that partition's LSO back. */
  firstOffset: IntMap;
  /** The partitions of `firstOffset`, ascending: the first `partitionCount`. */
  partitions: number[];
  partitionCount: number;
}

/** The transaction's first record in `partition` was written at `offset`: the partition holds its LSO back. */
export function wroteFirstIn(transaction: TransactionPartitions, partition: number, offset: number): void {
  if (transaction.firstOffset.has(partition)) return;
  transaction.firstOffset.set(partition, offset);
  const { partitions } = transaction;
  let index = transaction.partitionCount++;
  while (index > 0 && partitions[index - 1]! > partition) {
    partitions[index] = partitions[index - 1]!;
    index--;
  }
  partitions[index] = partition;
}

/** Forgets the transaction's partitions, for its reuse. */
export function clearPartitions(transaction: TransactionPartitions): void {
  transaction.firstOffset.clear();
  transaction.partitionCount = 0;
}

/**
 * Where read_committed consumers must stop in a partition: the first offset any open transaction wrote
 * there, or `logEnd` when none holds it back. Shared by producers' and pipeline stages' transactions.
 */
export function lastStableOffsetOf(
  open: readonly ({ firstOffset: { get(partition: number): number | undefined } } | null)[],
  partition: number,
  logEnd: number,
): number {
  let stable = logEnd;
  for (const transaction of open) {
    const first = transaction?.firstOffset.get(partition);
    if (first !== undefined && first < stable) stable = first;
  }
  return stable;
}

/**
 * Transactional producers (transactional.id = the producer instance's name).
 * A producer's records join its open transaction as they are written; the
 * producer commits it transaction.interval.ms after its first record, and
 * only then are its records confirmed to it (accepted). Until then they sit
 * in the log, and each partition's last stable offset (LSO) stops at the
 * first record of the earliest open transaction there: read_committed
 * consumers read no further, even records of other producers.
 *
 * A transaction aborts, refusing its records to the producer, when:
 * - its producer crashed and restarts: initTransactions with the same
 *   transactional.id bumps the epoch and aborts what the old one left open;
 * - transaction.timeout.ms after it began, the coordinator aborts it (a
 *   crashed producer that does not come back leaves its partitions stuck
 *   until then);
 * - its producer tries to commit while the broker is down (the commit fails
 *   and the application aborts).
 * Aborted records stay in the log: read_uncommitted consumers return them,
 * read_committed ones skip them.
 */
export class ProducerTransactions {
  private readonly open: (Transaction | null)[];
  /**
   * Ended transactions, to be reused. A pool: ending one confirms its records, which at zero latency can make the
   * producer write its next record, and so begin its next transaction, before the end is over.
   */
  private readonly spare: Transaction[] = [];
  private readonly down: Uint8Array;
  /** Per message (a message-table column): where its record stands, a State. */
  private readonly state: MessageColumn<Uint8Array>;
  private readonly onCommitDue = (producer: number): void => {
    const transaction = this.open[producer];
    if (!transaction) return;
    transaction.commitEvent = -1;
    this.end(transaction, this.isUp());
  };
  private readonly onTimeout = (producer: number): void => {
    const transaction = this.open[producer];
    if (!transaction) return;
    transaction.timeoutEvent = -1;
    this.end(transaction, false);
  };

  constructor(
    private readonly context: BrokerContext,
    private readonly options: KafkaOptions & { transactionInterval: number },
    private readonly isUp: () => boolean,
    /** Called for each partition whose LSO moved, or whose records were aborted. */
    private readonly settled: (partition: number) => void,
  ) {
    const producers = context.names.producers.length;
    this.open = new Array<Transaction | null>(producers).fill(null);
    this.down = new Uint8Array(producers);
    this.state = context.messages.column((length) => new Uint8Array(length));
  }

  /** Whether `message` was written and waits in an open transaction (a retry of it is not written again). */
  isOpen(message: number): boolean {
    return this.state.values[this.context.messages.slot(message)] === State.open;
  }

  isAborted(message: number): boolean {
    return this.state.values[this.context.messages.slot(message)] === State.aborted;
  }

  /**
   * The lowest id among the open transactions' records, which their end marks, confirms or refuses; +Infinity
   * when none is open. Mostly unanswered publishes, but not only: a record refused with its aborted transaction
   * and sent again by its restarted producer joins the next one. One transaction per producer instance at most.
   */
  oldestHeld(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const transaction of this.open)
      if (transaction !== null && transaction.oldest < oldest) oldest = transaction.oldest;
    return oldest;
  }

  /** A record of a transactional producer was appended at `offset` of `partition`: it joins the open transaction. */
  written(message: number, partition: number, offset: number): void {
    const { messages } = this.context;
    const producer = messages.producer[messages.slot(message)]!;
    const transaction = this.open[producer] ?? this.begin(producer);
    transaction.records[transaction.recordCount++] = message;
    if (message < transaction.oldest) transaction.oldest = message;
    wroteFirstIn(transaction, partition, offset);
    this.mark(message, State.open);
    this.context.appendTentatively(message);
  }

  /** The last stable offset: the first offset of the earliest open transaction in the partition, or the log end. */
  lastStableOffset(partition: number, logEnd: number): number {
    return lastStableOffsetOf(this.open, partition, logEnd);
  }

  /** A crashed producer commits nothing: its open transaction waits for its restart or the timeout. */
  producerDown(producer: number): void {
    this.down[producer] = 1;
    const transaction = this.open[producer];
    if (transaction && transaction.commitEvent !== -1) {
      this.context.sim.cancel(transaction.commitEvent);
      transaction.commitEvent = -1;
    }
  }

  /** initTransactions with the same transactional.id fences the old epoch and aborts its open transaction. */
  producerUp(producer: number): void {
    this.down[producer] = 0;
    const transaction = this.open[producer];
    if (transaction) this.end(transaction, false);
  }

  private begin(producer: number): Transaction {
    const { sim } = this.context;
    const transaction = this.spare.pop() ?? {
      producer,
      records: [],
      recordCount: 0,
      oldest: Number.POSITIVE_INFINITY,
      firstOffset: new IntMap(),
      partitions: [],
      partitionCount: 0,
      commitEvent: -1,
      timeoutEvent: -1,
    };
    transaction.producer = producer;
    transaction.oldest = Number.POSITIVE_INFINITY;
    // A record a crashed producer had on the wire opens a transaction nobody will commit.
    transaction.commitEvent =
      this.down[producer] === 1 ? -1 : sim.schedule(this.options.transactionInterval, this.onCommitDue, producer);
    transaction.timeoutEvent = sim.schedule(this.options.transactionTimeout, this.onTimeout, producer);
    this.open[producer] = transaction;
    return transaction;
  }

  /** Commits (every record confirmed to the producer) or aborts (every record refused) a transaction. */
  private end(transaction: Transaction, committed: boolean): void {
    const { sim } = this.context;
    this.open[transaction.producer] = null;
    if (transaction.commitEvent !== -1) sim.cancel(transaction.commitEvent);
    if (transaction.timeoutEvent !== -1) sim.cancel(transaction.timeoutEvent);
    for (let index = 0; index < transaction.recordCount; index++) {
      const message = transaction.records[index]!;
      this.mark(message, committed ? State.none : State.aborted);
      if (committed) this.context.accept(message);
      else this.context.reject(message);
    }
    // Partitions in ascending order, whatever order the transaction first wrote them in.
    for (let index = 0; index < transaction.partitionCount; index++) this.settled(transaction.partitions[index]!);
    transaction.recordCount = 0;
    clearPartitions(transaction);
    this.spare.push(transaction);
  }

  private mark(message: number, state: number): void {
    this.state.values[this.context.messages.slot(message)] = state;
  }
}
