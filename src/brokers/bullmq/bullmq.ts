import { IntRing } from "../../model/int-ring.js";
import type { Rng } from "../../random/streams.js";
import type { Broker, BrokerContext, ConnectionLoss } from "../broker.js";
import { GroupColumn } from "../redis/columns.js";
import { KeyspaceBroker } from "../redis/keyspace.js";
import type { BullmqSettings, KeepJobs } from "./settings.js";
import { StalledCheckClock } from "./stalled-clock.js";
import { LOWEST_PRIORITY, WaitingJobs } from "./waiting-jobs.js";

/** Where a job is, per queue (consumer group): BullMQ's keys, plus finished jobs kept or removed. */
const State = {
  none: 0,
  wait: 1,
  prioritized: 2,
  delayed: 3,
  active: 4,
  completed: 5,
  failed: 6,
  removed: 7,
} as const;
type State = (typeof State)[keyof typeof State];
/** Journal records: a job's state, order key and counters (a, b, c); its lock; its delivery handle. */
const JOB = 1;
const LOCK = 2;
const HANDLE = 3;
const COUNTS = 65536;
/** The handle of a delivery being sent: an ack can come back before `deliver` returns (zero latency). */
const DELIVERING = -2;

export function createBullmqBroker(context: BrokerContext, settings: BullmqSettings): Broker {
  return new BullmqBroker(context, settings);
}

/**
 * BullMQ on Redis, one BullMQ queue per consumer group (a producer adds each job to every group's
 * queue). A worker (consumer instance) fetches up to `concurrency` jobs with moveToActive, which moves
 * a job to the active list and sets its lock for lockDuration; while the worker lives it renews the
 * lock every lockRenewTime. Redis notices no crash: a dead worker's locks simply run out, and a job
 * whose lock is gone is moved back to the front of the wait list by the stalled-job check, which the
 * workers run every stalledInterval (see StalledCheckClock): a job is stalled when it was active at
 * the previous check, not renewed since, and has no lock now. A job stalled more than maxStalledCount
 * times is failed when a worker next fetches it. A failing job is retried `attempts` times, after
 * its backoff in the delayed set. Persistence and maxmemory are the Redis profiles' own.
 */
/** How a worker settles a job: moveToFinished as completed, or moveToFailed. */
enum Settle {
  completed,
  failed,
}

class BullmqBroker extends KeyspaceBroker {
  private readonly state: GroupColumn<Uint8Array>;
  private readonly order: GroupColumn<Float64Array>;
  private readonly counts: GroupColumn<Float64Array>;
  private readonly owner: GroupColumn<Int32Array>;
  private readonly handle: GroupColumn<Int32Array>;
  private readonly activeSince: GroupColumn<Float64Array>;
  /** When the lock runs out: Infinity while a live worker renews it. */
  private readonly lockUntil: GroupColumn<Float64Array>;
  private readonly jobEpochs: GroupColumn<Uint32Array>;
  private readonly lockEpochs: GroupColumn<Uint32Array>;
  private readonly handleEpochs: GroupColumn<Uint32Array>;
  private readonly waiting: WaitingJobs;
  private readonly clock: StalledCheckClock;
  /** Per queue: active jobs whose lock can run out (no live worker renews it), in the order they became so. */
  private readonly unrenewed: Set<number>[];
  private readonly checkAt: Float64Array;
  private readonly checkEvent: Float64Array;
  private readonly kept: { completed: IntRing; failed: IntRing }[];
  /** Per queue: the bytes of retired finished jobs Redis still keeps (kept forever), which a rebuild counts. */
  private readonly retiredJobBytes: Float64Array;
  private readonly windowEnd: Float64Array;
  private readonly windowCount: Int32Array;
  private readonly wakeArmed: Uint8Array;
  private readonly renewEvery: number;
  private readonly jitter: Rng | null;
  private readonly promote = (key: number): void => this.promoteDue(key);
  private readonly check = (group: number): void => this.runCheck(group);
  private readonly wake = (group: number): void => {
    this.wakeArmed[group] = 0;
    this.dispatch(group);
  };

  constructor(
    context: BrokerContext,
    private readonly settings: BullmqSettings,
  ) {
    super(context, { ...settings }, context.groupCount);
    const groups = context.groupCount;
    const column = <T extends Float64Array | Int32Array | Uint8Array | Uint32Array>(
      make: (n: number) => T,
      initial = 0,
    ) => new GroupColumn(context.messages, groups, make, initial);
    this.state = column((n) => new Uint8Array(n));
    this.order = column((n) => new Float64Array(n));
    this.counts = column((n) => new Float64Array(n));
    this.owner = column((n) => new Int32Array(n), -1);
    this.handle = column((n) => new Int32Array(n), -1);
    this.activeSince = column((n) => new Float64Array(n));
    this.lockUntil = column((n) => new Float64Array(n), Number.POSITIVE_INFINITY);
    this.jobEpochs = column((n) => new Uint32Array(n));
    this.lockEpochs = column((n) => new Uint32Array(n));
    this.handleEpochs = column((n) => new Uint32Array(n));
    this.waiting = new WaitingJobs(groups);
    this.clock = new StalledCheckClock(context.consumers, groups, settings.stalledInterval);
    for (const slot of context.consumers) this.clock.workerUp(slot.index, 0);
    this.unrenewed = Array.from({ length: groups }, () => new Set<number>());
    this.checkAt = new Float64Array(groups).fill(Number.POSITIVE_INFINITY);
    this.checkEvent = new Float64Array(groups);
    this.kept = Array.from({ length: groups }, () => ({ completed: new IntRing(), failed: new IntRing() }));
    this.retiredJobBytes = new Float64Array(groups);
    context.messages.onRetireRange((from, to) => this.retireJobs(from, to));
    this.windowEnd = new Float64Array(groups);
    this.windowCount = new Int32Array(groups);
    this.wakeArmed = new Uint8Array(groups);
    this.renewEvery = settings.lockRenewTime ?? settings.lockDuration / 2;
    this.jitter = (settings.backoff?.jitter ?? 0) > 0 ? context.stream("backoff-jitter") : null;
  }

  /** moveToFinished (completed): valid only while the worker's lock holds; otherwise "Missing lock". */
  ack(delivery: number): void {
    this.settleWith(delivery, Settle.completed);
  }

  /** moveToFailed: a retry (after its backoff, in the delayed set) while attempts remain, else failed. */
  nack(delivery: number): void {
    this.settleWith(delivery, Settle.failed);
  }

  private failed(group: number, message: number): void {
    // Out of the active list: a check skips it now (LREM finds nothing), even if its lock had been left to run out.
    this.unrenewed[group]!.delete(message);
    const attemptsMade = this.attemptsMade(group, message) + 1;
    this.setCounts(group, message, attemptsMade, this.stalls(group, message));
    if (attemptsMade >= this.settings.attempts) {
      this.fail(group, message, "attempts");
      return;
    }
    const wait = this.backoffDelay(attemptsMade);
    if (wait > 0) this.delay(group, message, this.context.sim.now + wait);
    else this.enqueue(group, message);
  }

  /** Redis notices nothing: the worker stops renewing its locks, which run out one lockDuration after their last renewal. */
  consumerDown(consumer: number, _loss: ConnectionLoss): void {
    const group = this.clients.groupOf(consumer);
    this.clock.workerDown(consumer, this.context.sim.now);
    // Its calls stop with it: no blocked fetch of a dead or cut-off worker is ever served.
    this.clients.down(consumer, "closed");
    const { deliveries } = this.context;
    deliveries.forEachOpen((delivery) => {
      if (deliveries.consumer(delivery) !== consumer) return;
      const message = deliveries.message(delivery);
      if (this.state.get(group, message) === State.active && this.owner.get(group, message) === consumer) {
        this.stopRenewing(group, message);
      }
    });
    this.armCheck(group);
  }

  /** A new worker: it runs the stalled check at once (if one is due) and fetches. */
  consumerUp(consumer: number): void {
    const group = this.clients.groupOf(consumer);
    this.clients.up(consumer);
    this.clock.workerUp(consumer, this.context.sim.now);
    this.armCheck(group);
    this.dispatch(group);
  }

  override crash(failure: "process" | "host"): void {
    this.clock.redisDown(this.context.sim.now);
    super.crash(failure);
  }

  override restart(): void {
    this.clock.redisBack(this.context.sim.now);
    super.restart();
  }

  forEachHeld(visit: (message: number, group: number) => void): void {
    const { base, count } = this.context.messages;
    for (let group = 0; group < this.context.groupCount; group++) {
      for (let message = base; message < count; message++) {
        const state = this.state.get(group, message);
        if (state >= State.wait && state <= State.active) visit(message, group);
      }
    }
  }

  /**
   * Besides the jobs `forEachHeld` visits (waiting, prioritized, delayed, active), the lowest id among the
   * finished jobs a queue keeps to remove later (removeOnComplete or removeOnFail: a count). A job whose lock
   * may run out (`unrenewed`, which a stalled check reads) is active: visited; finishing, retrying or stalling a
   * job takes it out. And every entry of the wait lists: a copy sent again (a producer's resend, a relay's or a
   * requester's) is added while the first waits, and its entry outlives the first job's end. And what a Redis
   * crash may bring back: every job whose state, lock or handle changed since the data was last durable.
   */
  releaseRead(): number {
    let oldest = this.persistence.oldestUndoable;
    const older = (message: number): void => {
      if (message < oldest) oldest = message;
    };
    for (let group = 0; group < this.context.groupCount; group++) {
      const kept = this.kept[group]!;
      kept.completed.forEach(older);
      kept.failed.forEach(older);
      this.waiting.forEach(group, older);
    }
    return oldest;
  }

  /** Queue.add to every group's queue: a job hash, then the wait list, the prioritized set or the delayed set. */
  protected write(message: number): void {
    const groups = this.context.groupCount;
    this.persistence.changed(groups);
    const { delay } = this.settings;
    for (let group = 0; group < groups; group++) {
      // A pipeline stage's job goes to its target group's queue only.
      if (!this.context.messages.addressedTo(message, group)) continue;
      this.memory.grow(group, this.jobBytes(message));
      if (delay > 0) this.delay(group, message, this.context.sim.now + delay);
      else this.enqueue(group, message);
    }
    for (let group = 0; group < groups; group++) this.dispatch(group);
  }

  protected evict(): void {
    throw new Error("invariant: the bullmq profile allows only maxmemory-policy noeviction");
  }

  protected undo(kind: number, group: number, message: number, a: number, b: number, c: number): void {
    if (kind === JOB) {
      this.state.set(group, message, a);
      this.order.set(group, message, b);
      this.counts.set(group, message, c);
    } else if (kind === LOCK) {
      this.owner.set(group, message, a);
      this.activeSince.set(group, message, b);
      this.lockUntil.set(group, message, c);
    } else if (kind === HANDLE) {
      this.handle.set(group, message, a);
    } else throw new Error(`invariant: unknown journal record ${kind}`);
  }

  protected wipe(): void {
    this.state.reset();
    this.retiredJobBytes.fill(0);
  }

  /**
   * Retired jobs are finished (completed or failed) or removed: a job that is not is held. Those Redis keeps
   * forever (removeOnComplete or removeOnFail false) go on taking memory, which a crash's rebuild counts from
   * the rows it still has and from this sum.
   */
  private retireJobs(from: number, to: number): void {
    const { messages } = this.context;
    for (let group = 0; group < this.context.groupCount; group++) {
      const states = this.state.rows(group);
      let bytes = 0;
      for (let id = from; id < to; id++) {
        const state = states[messages.slot(id)];
        if (state === State.completed || state === State.failed) bytes += this.jobBytes(id);
      }
      this.retiredJobBytes[group]! += bytes;
    }
  }

  /**
   * Rebuilds the waiting jobs, kept jobs, unrenewed locks and memory from the restored columns, over the table's
   * rows: a crash restores only jobs it holds (`Persistence.oldestUndoable`), and a retired job is finished or
   * removed, its memory in `retiredJobBytes` if Redis keeps it.
   */
  protected rebuild(): void {
    this.memory.reset();
    this.waiting.clear();
    const { base, count } = this.context.messages;
    for (let group = 0; group < this.context.groupCount; group++) {
      const waiting: [number, number][] = [];
      const prioritized: [number, number][] = [];
      const kept = this.kept[group]!;
      kept.completed.clear();
      kept.failed.clear();
      this.unrenewed[group]!.clear();
      this.memory.grow(group, this.retiredJobBytes[group]!);
      for (let message = base; message < count; message++) {
        const state = this.state.get(group, message);
        if (state === State.none || state === State.removed) continue;
        this.memory.grow(group, this.jobBytes(message));
        const order = this.order.get(group, message);
        if (state === State.wait) waiting.push([message, order]);
        else if (state === State.prioritized) prioritized.push([message, order]);
        else if (state === State.completed && this.settings.removeOnComplete !== false) kept.completed.push(message);
        else if (state === State.failed && this.settings.removeOnFail !== false) kept.failed.push(message);
        else if (state === State.active) this.restoreLock(group, message);
      }
      this.waiting.restore(group, waiting, prioritized);
      this.reportDepth(group);
    }
  }

  /** After a restart: delayed jobs that fell due while Redis was down are promoted, then workers fetch. */
  protected resume(): void {
    const now = this.context.sim.now;
    const { base, count } = this.context.messages;
    for (let group = 0; group < this.context.groupCount; group++) {
      const due: number[] = [];
      for (let message = base; message < count; message++) {
        if (this.state.get(group, message) === State.delayed && this.order.get(group, message) <= now)
          due.push(message);
      }
      due.sort((a, b) => this.order.get(group, a) - this.order.get(group, b) || a - b);
      for (const message of due) this.enqueue(group, message);
      this.armCheck(group);
      this.dispatch(group);
    }
  }

  /**
   * moveToActive, for each waiting worker in turn: nothing while the limiter's window is full; a job
   * with a deferred failure (stalled too often) is failed at once and the worker fetches again.
   */
  protected dispatch(group: number): void {
    if (!this.up) return;
    while (this.waiting.length(group) > 0) {
      if (this.limited(group)) return;
      const message = this.waiting.peek(group);
      const consumer = this.clients.next(group);
      if (consumer < 0) return;
      this.waiting.take(group);
      this.persistence.changed();
      if (this.stalls(group, message) > this.settings.maxStalledCount) {
        this.clients.giveBack(consumer);
        this.fail(group, message, "stalled");
        continue;
      }
      this.countForLimiter(group);
      this.activate(group, message, consumer);
    }
  }

  /** The job goes to the active list under a new lock; the worker gets it. */
  private activate(group: number, message: number, consumer: number): void {
    const now = this.context.sim.now;
    this.setJob(group, message, State.active, this.order.get(group, message));
    this.setLock(group, message, consumer, now, Number.POSITIVE_INFINITY);
    this.setHandle(group, message, DELIVERING);
    this.clients.took(consumer);
    this.reportDepth(group);
    const handle = this.context.deliver(message, consumer);
    const row = this.context.messages.slot(message);
    const stillSending =
      this.state.rows(group)[row] === State.active &&
      this.owner.rows(group)[row] === consumer &&
      this.handle.rows(group)[row] === DELIVERING;
    if (stillSending) this.setHandle(group, message, handle);
  }

  /** An ack or nack: `settle` runs if the worker still holds the job's lock; a call while Redis is down fails. */
  private settleWith(delivery: number, settle: Settle): void {
    const { deliveries } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const consumer = deliveries.consumer(delivery);
    const message = deliveries.message(delivery);
    const group = this.clients.groupOf(consumer);
    const holds = this.holdsLock(group, message, consumer, delivery);
    this.clients.settle(delivery);
    // A kind, not a callback: a closure per ack would be the profile's only garbage per message.
    if (holds && this.up) {
      if (settle === Settle.completed) this.finish(group, message, "completed");
      else this.failed(group, message);
    }
    // The worker gives the job up (its call failed); the lock it no longer renews runs out.
    else if (holds) this.stopRenewing(group, message);
    this.dispatch(group);
  }

  /** LPUSH to the wait list, or ZADD to the prioritized set with the message's priority. */
  private enqueue(group: number, message: number): void {
    const order =
      this.settings.priority === "from-message"
        ? this.waiting.addPrioritized(group, message, LOWEST_PRIORITY - this.context.messages.priorityOf(message))
        : this.waiting.pushBack(group, message);
    const state = this.settings.priority === "from-message" ? State.prioritized : State.wait;
    this.setJob(group, message, state, order);
    this.reportDepth(group);
  }

  /** ZADD delayed, due at `due`; promoted to waiting when due (promoteDelayedJobs). */
  private delay(group: number, message: number, due: number): void {
    this.setJob(group, message, State.delayed, due);
    this.context.sim.schedule(due - this.context.sim.now, this.promote, message * this.context.groupCount + group);
  }

  private promoteDue(key: number): void {
    const groups = this.context.groupCount;
    const group = key % groups;
    const message = (key - group) / groups;
    // A job a crash took out of the delayed set (rolled back, or lost) may have been retired since: it is not delayed.
    if (message < this.context.messages.base) return;
    if (!this.up || this.state.get(group, message) !== State.delayed) return;
    if (this.order.get(group, message) > this.context.sim.now) return;
    this.persistence.changed();
    this.enqueue(group, message);
    this.dispatch(group);
  }

  /** The job's lock is no longer renewed: it runs out one lockDuration after the last renewal. */
  private stopRenewing(group: number, message: number): void {
    const since = this.activeSince.get(group, message);
    const now = this.context.sim.now;
    const lastRenewal = since + Math.floor((now - since) / this.renewEvery) * this.renewEvery;
    this.setLock(group, message, this.owner.get(group, message), since, lastRenewal + this.settings.lockDuration);
    this.unrenewed[group]!.add(message);
  }

  /** After a crash: an active job whose worker no longer holds it live gets a lock that runs out. */
  private restoreLock(group: number, message: number): void {
    const handle = this.handle.get(group, message);
    const held = handle >= 0 && this.context.deliveries.isOpen(handle) && this.clients.isLive(handle);
    if (held && this.lockUntil.get(group, message) === Number.POSITIVE_INFINITY) return;
    if (this.lockUntil.get(group, message) === Number.POSITIVE_INFINITY) this.stopRenewing(group, message);
    else this.unrenewed[group]!.add(message);
  }

  /** Schedules the queue's next stalled check if a lock can run out, at the time the workers' ticks give. */
  private armCheck(group: number): void {
    const now = this.context.sim.now;
    this.clock.advance(group, now);
    const at = this.unrenewed[group]!.size > 0 ? this.clock.next(group) : Number.POSITIVE_INFINITY;
    if (at === this.checkAt[group]) return;
    if (this.checkAt[group] !== Number.POSITIVE_INFINITY) this.context.sim.cancel(this.checkEvent[group]!);
    this.checkAt[group] = at;
    if (at !== Number.POSITIVE_INFINITY)
      this.checkEvent[group] = this.context.sim.schedule(at - now, this.check, group);
  }

  /**
   * moveStalledJobsToWait: a job in the stalled set (active at the previous check, not renewed since)
   * whose lock is gone goes back to the front of the wait list, its stalled count one higher.
   */
  private runCheck(group: number): void {
    this.checkAt[group] = Number.POSITIVE_INFINITY;
    // Scheduled before Redis went down: the worker's call fails; resume() arms the next one.
    if (!this.up) return;
    const now = this.context.sim.now;
    this.clock.ran(group, now);
    this.persistence.changed();
    const previous = this.clock.previousCheck(group);
    const stalled: number[] = [];
    for (const message of this.unrenewed[group]!) {
      const lockUntil = this.lockUntil.get(group, message);
      if (lockUntil <= now && previous > lockUntil - this.settings.lockDuration) stalled.push(message);
    }
    // Redis's SMEMBERS order is a hash order; the oldest message ends up first in line.
    stalled.sort((a, b) => b - a);
    for (const message of stalled) this.stall(group, message);
    this.armCheck(group);
    this.dispatch(group);
  }

  private stall(group: number, message: number): void {
    this.unrenewed[group]!.delete(message);
    this.setCounts(group, message, this.attemptsMade(group, message), this.stalls(group, message) + 1);
    this.closeDeadHolder(group, message);
    this.setLock(group, message, -1, 0, Number.POSITIVE_INFINITY);
    this.setJob(group, message, State.wait, this.waiting.pushFront(group, message));
    this.reportDepth(group);
  }

  /** A dead holder will never finish the job: forget its delivery. */
  private closeDeadHolder(group: number, message: number): void {
    const previous = this.handle.get(group, message);
    const { deliveries } = this.context;
    if (previous >= 0 && deliveries.isOpen(previous) && !this.clients.isLive(previous)) deliveries.close(previous);
  }

  private finish(group: number, message: number, how: "completed" | "failed"): void {
    this.unrenewed[group]!.delete(message);
    this.persistence.changed();
    this.setLock(group, message, -1, 0, Number.POSITIVE_INFINITY);
    const keep: KeepJobs = how === "completed" ? this.settings.removeOnComplete : this.settings.removeOnFail;
    if (keep === true || keep === 0) {
      this.remove(group, message);
      return;
    }
    this.setJob(group, message, how === "completed" ? State.completed : State.failed, this.context.sim.now);
    // Kept forever (BullMQ's default): no list to trim, so none is kept.
    if (keep === false) return;
    const kept = how === "completed" ? this.kept[group]!.completed : this.kept[group]!.failed;
    kept.push(message);
    while (kept.length > keep) this.remove(group, kept.shift());
  }

  private fail(group: number, message: number, reason: string): void {
    this.finish(group, message, "failed");
    this.context.deadLetter(message, group, reason);
  }

  private remove(group: number, message: number): void {
    this.setJob(group, message, State.removed, this.context.sim.now);
    this.memory.shrink(group, this.jobBytes(message));
  }

  /** The limiter's window is full (getRateLimitTTL): workers wait until it ends. */
  private limited(group: number): boolean {
    const limiter = this.settings.limiter;
    const now = this.context.sim.now;
    if (limiter === null || now >= this.windowEnd[group]! || this.windowCount[group]! < limiter.max) return false;
    if (this.wakeArmed[group] === 0) {
      this.wakeArmed[group] = 1;
      this.context.sim.schedule(this.windowEnd[group]! - now, this.wake, group);
    }
    return true;
  }

  /** INCR the limiter key; the first job of a window sets its PEXPIRE. */
  private countForLimiter(group: number): void {
    const limiter = this.settings.limiter;
    if (limiter === null) return;
    const now = this.context.sim.now;
    if (now >= this.windowEnd[group]!) {
      this.windowEnd[group] = now + limiter.duration;
      this.windowCount[group] = 1;
    } else this.windowCount[group]!++;
  }

  /** backoffs.js: fixed waits `delay`; exponential waits round(2^(attemptsMade - 1) x delay); jitter draws below it. */
  private backoffDelay(attemptsMade: number): number {
    const backoff = this.settings.backoff;
    if (backoff === null) return 0;
    const full = backoff.type === "fixed" ? backoff.delay : Math.round(2 ** (attemptsMade - 1) * backoff.delay);
    if (this.jitter === null) return full;
    return Math.floor(this.jitter() * full * backoff.jitter + full * (1 - backoff.jitter));
  }

  private attemptsMade(group: number, message: number): number {
    return Math.floor(this.counts.get(group, message) / COUNTS);
  }

  private stalls(group: number, message: number): number {
    // counts is a non-negative integer: this is its % COUNTS exactly, without the float modulo (fmod) of
    // a Float64Array value, which every fetch paid.
    const counts = this.counts.get(group, message);
    return counts - Math.floor(counts / COUNTS) * COUNTS;
  }

  /*
   * The setters below and the checks on every ack index the group's rows themselves, once per call: each
   * site then sees one kind of typed array, where GroupColumn.get, shared by every column, sees them all.
   */
  private setJob(group: number, message: number, state: State, order: number): void {
    const row = this.context.messages.slot(message);
    const states = this.state.rows(group);
    const orders = this.order.rows(group);
    const counts = this.counts.rows(group)[row]!;
    this.persistence.write(this.jobEpochs.rows(group), row, JOB, group, message, states[row]!, orders[row]!, counts);
    states[row] = state;
    orders[row] = order;
  }

  private setCounts(group: number, message: number, attemptsMade: number, stalls: number): void {
    this.setJob(group, message, this.state.get(group, message) as State, this.order.get(group, message));
    this.counts.set(group, message, attemptsMade * COUNTS + stalls);
  }

  private setLock(group: number, message: number, owner: number, since: number, until: number): void {
    const row = this.context.messages.slot(message);
    const owners = this.owner.rows(group);
    const sinces = this.activeSince.rows(group);
    const untils = this.lockUntil.rows(group);
    const epochs = this.lockEpochs.rows(group);
    this.persistence.write(epochs, row, LOCK, group, message, owners[row]!, sinces[row]!, untils[row]!);
    owners[row] = owner;
    sinces[row] = since;
    untils[row] = until;
  }

  private setHandle(group: number, message: number, handle: number): void {
    const row = this.context.messages.slot(message);
    const handles = this.handle.rows(group);
    this.persistence.write(this.handleEpochs.rows(group), row, HANDLE, group, message, handles[row]!);
    handles[row] = handle;
  }

  /** Whether `consumer` holds the job active under its lock, by `delivery` (or one still being sent). */
  private holdsLock(group: number, message: number, consumer: number, delivery: number): boolean {
    const row = this.context.messages.slot(message);
    const handle = this.handle.rows(group)[row]!;
    return (
      this.state.rows(group)[row] === State.active &&
      this.owner.rows(group)[row] === consumer &&
      (handle === delivery || handle === DELIVERING) &&
      this.context.sim.now < this.lockUntil.rows(group)[row]!
    );
  }

  private jobBytes(message: number): number {
    const { messages } = this.context;
    return this.settings.jobBytes + messages.size[messages.slot(message)]!;
  }

  private reportDepth(group: number): void {
    this.context.observer.depthChanged(group, this.waiting.length(group), this.context.sim.now);
  }
}
