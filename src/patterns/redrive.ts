/**
 * A DLQ redrive: a scheduled action that moves what a consumer group's dead-letter queue holds back to
 * the group's queue (SQS StartMessageMoveTask, a RabbitMQ shovel from the DLQ, BullMQ's retryJobs).
 * See docs/patterns.md#dlq-redrive.
 */
export interface RedriveSpec {
  /** When the move starts (µs from the start of the run). */
  at: number;
  /** Moves at most this many messages, the oldest dead-lettered first; null: all the DLQ holds when it starts. */
  max: number | null;
  /** Messages moved per second (SQS MaxNumberOfMessagesPerSecond); null: all at once. */
  ratePerSecond: number | null;
}

/** What a group's redrives did over the run: plain numbers for summary.json (`retries.<group>`). */
export interface RedriveFigures {
  /** Moves from the DLQ back to the group's queue (a message moved twice counts twice). */
  redriven: number;
  /** Redriven messages the group then consumed. */
  redrivenConsumed: number;
  /** Redriven messages that were dead-lettered again before being consumed. */
  redrivenDeadLettered: number;
}

export function emptyRedriveFigures(): RedriveFigures {
  return { redriven: 0, redrivenConsumed: 0, redrivenDeadLettered: 0 };
}
