import type { StageTransactions } from "./stage-transactions.js";
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
    /** The transactions of pipeline stages that commit transactionally (stage-transactions.ts), if any. */
    private readonly stages: StageTransactions | null = null,
  ) {}

  /** The offset a poll stops before in `partition`, whose records below `highWatermark` are replicated. */
  end(partition: number, highWatermark: number): number {
    if (!this.readCommitted) return highWatermark;
    const producers = this.transactions?.lastStableOffset(partition, highWatermark) ?? highWatermark;
    return this.stages?.lastStableOffset(partition, producers) ?? producers;
  }

  /** Whether a poll passes over this record without returning it. */
  skips(message: number): boolean {
    if (!this.readCommitted) return false;
    return this.transactions?.isAborted(message) === true || this.stages?.isAborted(message) === true;
  }
}
