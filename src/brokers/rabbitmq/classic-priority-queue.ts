import type { MessageTable } from "../../model/messages.js";
import { type EnqueueOrder, GroupQueue } from "./group-queue.js";

/**
 * A classic priority queue (`x-max-priority`): one sub-queue per priority
 * level 0..max, served highest level first and FIFO within a level. A message
 * above the max counts as the max. A returned message goes back to its
 * original position within its own level (rabbit_priority_queue keeps one
 * backing queue per priority). TTL and drop-head act on `peek`/`shift`, the
 * head of the whole queue, as the RabbitMQ priority guide says: an expired
 * low-priority message waits behind unexpired higher ones, and drop-head can
 * drop a high-priority message to make room for a low one.
 */
export class PriorityLevelsQueue {
  /** Index = priority level. */
  private readonly levels: GroupQueue[];
  private count = 0;

  constructor(
    private readonly maxPriority: number,
    order: EnqueueOrder,
    private readonly messages: MessageTable,
  ) {
    this.levels = Array.from({ length: maxPriority + 1 }, () => new GroupQueue("original-position", order));
  }

  get length(): number {
    return this.count;
  }

  peek(): number {
    return this.highest().peek();
  }

  shift(): number {
    this.count--;
    return this.highest().shift();
  }

  push(message: number): void {
    this.levelOf(message).push(message);
    this.count++;
  }

  giveBack(message: number): void {
    this.levelOf(message).giveBack(message);
    this.count++;
  }

  /** Visits messages in delivery order: highest level first. */
  forEach(visit: (message: number) => void): void {
    for (let level = this.maxPriority; level >= 0; level--) this.levels[level]!.forEach(visit);
  }

  clear(): void {
    for (const level of this.levels) level.clear();
    this.count = 0;
  }

  /** The highest non-empty level; the caller has checked that the queue is not empty. */
  private highest(): GroupQueue {
    for (let level = this.maxPriority; level > 0; level--) {
      if (this.levels[level]!.length > 0) return this.levels[level]!;
    }
    return this.levels[0]!;
  }

  private levelOf(message: number): GroupQueue {
    return this.levels[Math.min(this.messages.priorityOf(message), this.maxPriority)]!;
  }
}
