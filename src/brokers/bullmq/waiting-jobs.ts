import { IntRing } from "../../model/int-ring.js";

/** BullMQ priorities run from 1 (first) up; the profile gives message priority p the BullMQ priority 256 - p. */
export const LOWEST_PRIORITY = 256;
/** getPriorityScore.lua: priority x 2^32 + a per-queue counter, so a priority's jobs keep their arrival order. */
const PRIORITY_SCALE = 2 ** 32;

/**
 * Each queue's jobs that wait for a worker, in the order BullMQ's moveToActive takes them: the wait
 * list first (RPOPLPUSH from its right end), then the prioritized sorted set (ZPOPMIN: lowest priority
 * number, then oldest). Each entry has an order key, kept by the broker, from which a crash recovery
 * rebuilds both: a wait-list position (LPUSH adds at the back, RPUSH at the front) or a sorted-set score.
 */
export class WaitingJobs {
  private readonly wait: IntRing[];
  /** Per queue, per BullMQ priority (1-256): its prioritized jobs, oldest first. */
  private readonly levels: IntRing[][];
  private readonly prioritized: Int32Array;
  private readonly back: Float64Array;
  private readonly front: Float64Array;
  private readonly counter: Float64Array;

  constructor(groups: number) {
    this.wait = Array.from({ length: groups }, () => new IntRing());
    this.levels = Array.from({ length: groups }, () =>
      Array.from({ length: LOWEST_PRIORITY + 1 }, () => new IntRing()),
    );
    this.prioritized = new Int32Array(groups);
    this.back = new Float64Array(groups);
    this.front = new Float64Array(groups);
    this.counter = new Float64Array(groups);
  }

  length(group: number): number {
    return this.wait[group]!.length + this.prioritized[group]!;
  }

  /** LPUSH: a new, retried or promoted job joins the back of the wait list. Returns its order key. */
  pushBack(group: number, message: number): number {
    this.wait[group]!.push(message);
    return ++this.back[group]!;
  }

  /** RPUSH: a stalled job goes to the front of the wait list, next to be taken. Returns its order key. */
  pushFront(group: number, message: number): number {
    this.wait[group]!.unshift(message);
    return --this.front[group]!;
  }

  /** ZADD prioritized with score priority x 2^32 + counter. Returns the score. */
  addPrioritized(group: number, message: number, priority: number): number {
    this.levels[group]![priority]!.push(message);
    this.prioritized[group]!++;
    return priority * PRIORITY_SCALE + ++this.counter[group]!;
  }

  /** The job moveToActive would take next, or -1. */
  peek(group: number): number {
    const wait = this.wait[group]!;
    if (wait.length > 0) return wait.peek();
    const level = this.firstLevel(group);
    return level === null ? -1 : level.peek();
  }

  /** Takes the job `peek` names; the caller checks `length` first. */
  take(group: number): number {
    const wait = this.wait[group]!;
    if (wait.length > 0) return wait.shift();
    const message = this.firstLevel(group)!.shift();
    this.prioritized[group]!--;
    return message;
  }

  /** Visits every entry of one queue, in no particular order (an id the queue holds twice, twice). */
  forEach(group: number, visit: (message: number) => void): void {
    this.wait[group]!.forEach(visit);
    if (this.prioritized[group] === 0) return;
    for (const ring of this.levels[group]!) ring.forEach(visit);
  }

  /** Empties every queue; `restore` then refills them from order keys. */
  clear(): void {
    for (const ring of this.wait) ring.clear();
    for (const levels of this.levels) for (const ring of levels) ring.clear();
    this.prioritized.fill(0);
  }

  /** Puts back one queue's jobs after a crash: wait-list jobs and prioritized jobs, each sorted by order key. */
  restore(group: number, waiting: [number, number][], prioritized: [number, number][]): void {
    for (const [message, key] of waiting.sort((a, b) => a[1] - b[1])) {
      this.wait[group]!.push(message);
      this.front[group] = Math.min(this.front[group]!, key);
      this.back[group] = Math.max(this.back[group]!, key);
    }
    for (const [message, score] of prioritized.sort((a, b) => a[1] - b[1])) {
      this.levels[group]![Math.floor(score / PRIORITY_SCALE)]!.push(message);
      this.prioritized[group]!++;
    }
  }

  private firstLevel(group: number): IntRing | null {
    if (this.prioritized[group] === 0) return null;
    for (const ring of this.levels[group]!) if (ring.length > 0) return ring;
    return null;
  }
}
