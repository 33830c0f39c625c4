import type { ProducerTransactions } from "./transactions.js";

/**
 * What a poll may return under the consumers' isolation.level. read_uncommitted
 * (the default) reads to the high watermark, records of open and aborted transactions
 * included. read_committed reads only to each partition's last stable offset (when below it)
 * and passes over aborted records without returning them (the consumer drops
 * them using the broker's aborted-transaction index).
 */
export class ReadIsolation {
  constructor(
    private readonly transactions: ProducerTransactions | null,
    private readonly readCommitted: boolean,
  ) {}

  /** The offset a poll stops before in `partition`, whose records below `highWatermark` are replicated. */
  end(partition: number, highWatermark: number): number {
    if (!this.readCommitted || this.transactions === null) return highWatermark;
    return this.transactions.lastStableOffset(partition, highWatermark);
  }

  /** Whether a poll passes over this record without returning it. */
  skips(message: number): boolean {
    return this.readCommitted && this.transactions?.isAborted(message) === true;
  }
}
