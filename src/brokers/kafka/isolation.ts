import type { TopicLog } from "./log.js";
import type { ProducerTransactions } from "./transactions.js";

/**
 * What a poll may return under the consumers' isolation.level. read_uncommitted
 * (the default) reads to the log end, records of open and aborted transactions
 * included. read_committed reads only to each partition's last stable offset
 * and passes over aborted records without returning them (the consumer drops
 * them using the broker's aborted-transaction index).
 */
export class ReadIsolation {
  constructor(
    private readonly log: TopicLog,
    private readonly transactions: ProducerTransactions | null,
    private readonly readCommitted: boolean,
  ) {}

  /** The offset a poll stops before in `partition`. */
  end(partition: number): number {
    const logEnd = this.log.end[partition]!;
    if (!this.readCommitted || this.transactions === null) return logEnd;
    return this.transactions.lastStableOffset(partition, logEnd);
  }

  /** Whether a poll passes over this record without returning it. */
  skips(message: number): boolean {
    return this.readCommitted && this.transactions?.isAborted(message) === true;
  }
}
