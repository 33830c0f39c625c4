import type { Simulation } from "../../engine/simulation.js";

const NONE = -1;

/** One retry queue: the copies it holds, oldest first, and when each expires. */
interface RetryQueue {
  group: number;
  messages: number[];
  expiresAt: number[];
  /** The pending expiry of the head, or NONE. */
  timer: number;
}

/**
 * RabbitMQ retry queues for a group's `retry: {via: broker}`: one queue per group and backoff level
 * (`<queue>.retry.1`, `.retry.2`, ...), no consumers, declared with a dead-letter exchange that routes
 * back to the group's work queue. A consumer that fails a message publishes a copy there with the wait
 * as its expiration and the attempt in a header (the count x-death keeps), then acks the original. An
 * expired copy is dead-lettered to the tail of the work queue and delivered again. RabbitMQ expires
 * messages only at a queue's head, so a copy waits behind a longer-lived one ahead of it (head-of-line):
 * with one level per queue and no jitter every copy in a queue waits the same, as a per-queue
 * x-message-ttl would make it.
 */
export class RetryQueues {
  /** By key `level × groups + group`, created on first use; `inOrder` keeps creation order for iteration. */
  private readonly byKey = new Map<number, RetryQueue>();
  private readonly inOrder: RetryQueue[] = [];
  /** Copies published to retry queues, all levels together. */
  published = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly groupCount: number,
    /** A copy's wait ended: it goes back to the tail of its group's work queue. */
    private readonly expired: (message: number, group: number) => void,
  ) {}

  /** The copy of `message` a consumer of `group` published after its `attempt`-th delivery failed. */
  hold(message: number, group: number, attempt: number, delayMicros: number): void {
    const key = (attempt - 1) * this.groupCount + group;
    let queue = this.byKey.get(key);
    if (queue === undefined) {
      queue = { group, messages: [], expiresAt: [], timer: NONE };
      this.byKey.set(key, queue);
      this.inOrder.push(queue);
    }
    queue.messages.push(message);
    queue.expiresAt.push(this.sim.now + delayMicros);
    this.published++;
    this.schedule(queue);
  }

  /** The broker crashed: with durable queues the copies stay (their expiry waits for the restart), else each is handed to `lose`. */
  crash(survives: boolean, lose: (message: number, group: number) => void): void {
    for (const queue of this.inOrder) {
      if (queue.timer !== NONE) this.sim.cancel(queue.timer);
      queue.timer = NONE;
      if (survives) continue;
      for (const message of queue.messages) lose(message, queue.group);
      queue.messages.length = 0;
      queue.expiresAt.length = 0;
    }
  }

  /** The broker is back: expiry resumes (copies that expired while it was down go back at once). */
  restart(): void {
    for (const queue of this.inOrder) this.schedule(queue);
  }

  forEachHeld(visit: (message: number, group: number) => void): void {
    for (const queue of this.inOrder) for (const message of queue.messages) visit(message, queue.group);
  }

  private schedule(queue: RetryQueue): void {
    if (queue.timer !== NONE || queue.messages.length === 0) return;
    const wait = Math.max(0, queue.expiresAt[0]! - this.sim.now);
    queue.timer = this.sim.schedule(wait, this.headExpired, this.inOrder.indexOf(queue));
  }

  private readonly headExpired = (index: number): void => {
    const queue = this.inOrder[index]!;
    queue.timer = NONE;
    const now = this.sim.now;
    // Expired heads leave together; the first still-living one holds the rest back.
    while (queue.messages.length > 0 && queue.expiresAt[0]! <= now) {
      queue.expiresAt.shift();
      this.expired(queue.messages.shift()!, queue.group);
    }
    this.schedule(queue);
  };
}
