import type { MessageTable } from "../../model/messages.js";
import { PriorityLevelsQueue } from "./classic-priority-queue.js";
import { type EnqueueOrder, GroupQueue } from "./group-queue.js";
import { QuorumPriorityQueue } from "./quorum-priority-queue.js";
import type { RabbitOptions } from "./settings.js";

/**
 * The ready messages of one consumer group's queue, in the order the queue
 * delivers them. `peek` and `shift` name the same message: the next one to
 * deliver (also the one TTL and drop-head remove). The caller checks `length`
 * before either.
 */
export interface ReadyQueue {
  readonly length: number;
  peek(): number;
  shift(): number;
  /** A newly routed message. */
  push(message: number): void;
  /** A message returned by a consumer (nack, channel close). */
  giveBack(message: number): void;
  forEach(visit: (message: number) => void): void;
  clear(): void;
}

/** The queue structure the options ask for: plain FIFO, classic priority levels, or quorum's two buckets. */
export function createReadyQueue(options: RabbitOptions, order: EnqueueOrder, messages: MessageTable): ReadyQueue {
  const scheme = options.priorities;
  switch (scheme.kind) {
    case "none":
      return new GroupQueue(options.returnPlacement, order);
    case "levels":
      return new PriorityLevelsQueue(scheme.maxPriority, order, messages);
    case "two-buckets":
      return new QuorumPriorityQueue(options.returnPlacement, order, messages);
  }
}
