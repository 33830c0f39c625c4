import { ActionQuota } from "./call-quota.js";
import type { SdkRetry } from "./sdk-retry.js";

/** The FIFO API actions SQS throttles, each with its own quota ("per API action"). */
export const FifoAction = { send: 0, receive: 1, delete: 2, changeVisibility: 3 } as const;
export type FifoAction = (typeof FifoAction)[keyof typeof FifoAction];

/** Calls per second one partition, or a queue without high throughput, takes for each action. */
export const CALLS_PER_SECOND = 300;

/**
 * A FIFO queue's request quotas: 300 calls per second per API action
 * (SendMessage, ReceiveMessage, DeleteMessage, ChangeMessageVisibility, each on
 * its own), for the whole queue; in high-throughput mode for each partition, the message group's hash
 * choosing the partition ("Partitions and data distribution for high
 * throughput for SQS FIFO queues"). So a hot message group is held to one
 * partition's 300 calls per second however many partitions the queue has. A
 * ReceiveMessage names no group; in high-throughput mode it counts against a
 * queue-wide quota of partitions x 300.
 */
/** Message groups below this have their partition remembered (a hash and a float % per call otherwise). */
const REMEMBERED_GROUPS = 65_536;

export class FifoThroughput {
  private readonly quotas: readonly ActionQuota[];
  /** partitionOf by group, for groups below REMEMBERED_GROUPS; -1: not computed yet. Grown as groups appear. */
  private partitionByGroup = new Int32Array(0);

  /** `partitions` is 1 without high throughput: one bucket per queue. */
  constructor(private readonly partitions: number) {
    this.quotas = [
      new ActionQuota(CALLS_PER_SECOND),
      new ActionQuota(CALLS_PER_SECOND * partitions),
      new ActionQuota(CALLS_PER_SECOND),
      new ActionQuota(CALLS_PER_SECOND),
    ];
  }

  /** Whether SQS takes one more `action` call on `queue` for `group` now; false is a ThrottlingException. */
  admits(action: FifoAction, queue: number, group: number, now: number): boolean {
    if (action === FifoAction.receive) return this.quotas[action]!.take(queue, now);
    return this.quotas[action]!.take(queue * this.partitions + this.partitionOf(group), now);
  }

  /** SQS hashes the message group ID to a partition; any well-mixed hash gives the same load picture. */
  partitionOf(group: number): number {
    if (this.partitions === 1) return 0;
    if (group < 0 || group >= REMEMBERED_GROUPS) return this.hashToPartition(group);
    if (group >= this.partitionByGroup.length) this.growRemembered(group);
    let partition = this.partitionByGroup[group]!;
    if (partition < 0) {
      partition = this.hashToPartition(group);
      this.partitionByGroup[group] = partition;
    }
    return partition;
  }

  private growRemembered(group: number): void {
    const grown = new Int32Array(Math.min(REMEMBERED_GROUPS, Math.max(64, (group + 1) * 2))).fill(-1);
    grown.set(this.partitionByGroup);
    this.partitionByGroup = grown;
  }

  private hashToPartition(group: number): number {
    let hash = Math.imul(group ^ (group >>> 16), 0x85ebca6b);
    hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
    return ((hash ^ (hash >>> 16)) >>> 0) % this.partitions;
  }
}

/** `ThrottledCalls.attempt`: SQS took the call. */
export const TAKEN = -1;
/** `ThrottledCalls.attempt`: throttled on the SDK's last attempt; the call fails. */
export const GIVEN_UP = -2;

/**
 * A FIFO queue's quotas and the AWS SDK's answer to a throttled call: the
 * ThrottlingException travels back, the SDK backs off, and its next attempt
 * travels to SQS, a round trip plus the backoff after the throttled one.
 */
export class ThrottledCalls {
  constructor(
    private readonly throughput: FifoThroughput,
    private readonly retry: SdkRetry,
    private readonly roundTrip: number,
  ) {}

  /** Attempt number `attempt` of a call: TAKEN, GIVEN_UP, or the delay until the next attempt reaches SQS. */
  attempt(action: FifoAction, queue: number, group: number, attempt: number, now: number): number {
    if (this.throughput.admits(action, queue, group, now)) return TAKEN;
    const backoff = this.retry.delayAfter(attempt);
    return backoff < 0 ? GIVEN_UP : backoff + this.roundTrip;
  }
}
