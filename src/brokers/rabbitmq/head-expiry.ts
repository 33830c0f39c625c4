import type { Simulation } from "../../engine/simulation.js";
import type { MessageTable } from "../../model/messages.js";
import type { ReadyQueue } from "./ready-queue.js";

/**
 * Message TTL as RabbitMQ applies it: a message expires `ttl` after it was
 * queued (a requeue keeps that time), but is removed only from the head of
 * its queue. One behind an unexpired message waits. Like RabbitMQ's TTL timer,
 * a queue whose head cannot be delivered wakes itself when that head expires.
 */
export class HeadExpiry {
  /** Per group: the pending wake-up (-1 = none) and when it is due. */
  private readonly events: Float64Array;
  private readonly due: Float64Array;
  private readonly onDue = (group: number): void => {
    this.events[group] = -1;
    this.wake(group);
  };

  constructor(
    private readonly ttl: number,
    private readonly sim: Simulation,
    private readonly messages: MessageTable,
    private readonly queues: readonly ReadyQueue[],
    /** Gives up an expired message (dead-letter or drop, reason `expired`). */
    private readonly expire: (message: number, group: number) => void,
    /** Lets the queue dispatch again when its head expired. */
    private readonly wake: (group: number) => void,
  ) {
    this.events = new Float64Array(queues.length).fill(-1);
    this.due = new Float64Array(queues.length);
  }

  /** Removes expired messages from the head of `group`'s queue. */
  expireHeads(group: number): void {
    const queue = this.queues[group]!;
    while (queue.length > 0 && this.messages.acceptedAt[this.messages.slot(queue.peek())]! + this.ttl < this.sim.now) {
      this.expire(queue.shift(), group);
    }
  }

  /** After a dispatch: wake up when the head that is left expires (or stop waking if the queue is empty). */
  schedule(group: number): void {
    const queue = this.queues[group]!;
    if (queue.length === 0) {
      this.cancel(group);
      return;
    }
    const due = Math.floor(this.messages.acceptedAt[this.messages.slot(queue.peek())]! + this.ttl) + 1;
    if (this.events[group] !== -1 && this.due[group]! <= due) return;
    this.cancel(group);
    this.due[group] = due;
    this.events[group] = this.sim.at(due, this.onDue, group);
  }

  cancel(group: number): void {
    if (this.events[group] === -1) return;
    this.sim.cancel(this.events[group]!);
    this.events[group] = -1;
  }
}
