import { IntRing } from "../../model/int-ring.js";
import { PublishOutcome } from "../../model/messages.js";
import type { Rng } from "../../random/streams.js";
import type { Broker, BrokerContext } from "../broker.js";
import { RedriveBase } from "../redrive-base.js";
import { FifoAction, FifoThroughput, GIVEN_UP, TAKEN, ThrottledCalls } from "./fifo-throughput.js";
import { MessageState, NO_RECEIPT, RECEIPT_PENDING, Stage } from "./message-state.js";
import { type ReceiveLoops, type ReceiveTarget, receiveLoopsFor } from "./receive-loops.js";
import { SdkRetry } from "./sdk-retry.js";
import type { CommonSettings } from "./settings.js";
import { type Admit, FifoStore, StandardStore, type VisibleStore } from "./stores.js";

/** What sets the two queue types apart, beyond their store. */
export type QueueKind =
  | { type: "standard"; duplicateProbability: number; staleReceiptDeleteProbability: number; reorderWindow: number }
  | { type: "fifo"; partitions: number; sdkMaxAttempts: number };

/**
 * An SQS queue per consumer group (an SNS-style fan-out). Consumers pull with
 * ReceiveMessage (see ReceiveLoops); a received message is in flight for
 * VisibilityTimeout and becomes visible again unless deleted in time, whether
 * or not its consumer is still working on it. DeleteMessage is the ack and
 * needs the latest receipt handle. A failure is reported with
 * ChangeMessageVisibility (`visibilityTimeoutOnFailure`), and a heartbeating
 * client (`visibilityHeartbeat`) extends the timeout while it holds the
 * message. SQS learns of nothing else: a crashed consumer's messages come back
 * when their (last extended) timeout ends.
 */
export function createSqsBroker(context: BrokerContext, settings: CommonSettings, kind: QueueKind): Broker {
  return new SqsBroker(context, settings, kind);
}

/** The FIFO deduplication interval: 5 minutes. */
const DEDUPLICATION_WINDOW = 5 * 60 * 1_000_000;
/** ChangeMessageVisibility cannot keep a message in flight beyond 12 hours from its receive: the call is rejected. */
const MAX_VISIBILITY_FROM_RECEIVE = 43_200 * 1_000_000;
/** ChangeMessageVisibility takes whole seconds. */
const SECOND = 1_000_000;
/** A send retry's event argument: message x RETRY_KEY + attempt (sdkMaxAttempts is at most 10). */
const RETRY_KEY = 16;

/** A DeleteMessage or ChangeMessageVisibility call with one receipt handle; the SDK sends a throttled one again. */
interface MessageCall {
  action: typeof FifoAction.delete | typeof FifoAction.changeVisibility;
  queue: number;
  message: number;
  receipt: number;
  /** ChangeMessageVisibility: when the receipt's receive was served (the 12-hour cap), and the new timeout. */
  receivedAt: number;
  timeout: number;
  attempt: number;
}

class SqsBroker implements Broker, ReceiveTarget {
  private readonly state: MessageState;
  private readonly store: VisibleStore;
  private readonly loops: ReceiveLoops;
  private readonly inFlight: Int32Array;
  /** Messages waiting out DelaySeconds, in the order they become visible. */
  private readonly delayed = new IntRing();
  private readonly taken = new Int32Array(10);
  private readonly duplicates: { probability: number; rng: Rng } | null = null;
  /** Standard queues: whether a delete with an earlier receipt handle deletes anyway (FIFO: never). */
  private readonly staleDeletes: { probability: number; rng: Rng } | null = null;
  /** FIFO: the per-action quotas and the SDK's retries of throttled calls. */
  private readonly calls: ThrottledCalls | null = null;
  /** Per consumer: attempts of its current ReceiveMessage call that were throttled. */
  private readonly receiveAttempts: Uint8Array;
  private readonly pendingCalls = new Map<number, MessageCall>();
  /** Every call's first attempt is built in this one record, sparing the hot path an allocation; a throttled call is copied. */
  private readonly firstAttempt: MessageCall = {
    action: FifoAction.delete,
    queue: 0,
    message: 0,
    receipt: 0,
    receivedAt: 0,
    timeout: 0,
    attempt: 1,
  };
  private nextPendingCall = 0;
  private readonly queues: number;
  private up = true;
  private readonly redriven: RedriveBase;
  private readonly admit: Admit = (queue, message) => this.admitOrDispose(queue, message);
  private readonly onVisibilityEnd = (key: number): void => {
    const queue = key % this.queues;
    const message = Math.floor(key / this.queues);
    this.state.timerFired(queue, message);
    this.visibilityEnds(queue, message);
  };
  private readonly onDelayEnd = (): void => this.delayEnds();
  private readonly onSendRetry = (key: number): void => this.sendAttempt(Math.floor(key / RETRY_KEY), key % RETRY_KEY);
  private readonly onCallRetry = (id: number): void => {
    const call = this.pendingCalls.get(id)!;
    this.pendingCalls.delete(id);
    this.callAttempt(call);
  };

  constructor(
    private readonly context: BrokerContext,
    private readonly settings: CommonSettings,
    private readonly kind: QueueKind,
  ) {
    this.redriven = new RedriveBase(context.messages);
    this.queues = context.groupCount;
    this.state = new MessageState(this.queues, context.messages);
    this.inFlight = new Int32Array(this.queues);
    this.receiveAttempts = new Uint8Array(context.consumers.length);
    if (kind.type === "standard") {
      const rng = kind.reorderWindow > 1 ? context.stream("reorder") : () => 0;
      this.store = new StandardStore(this.queues, this.state, this.admit, kind.reorderWindow, rng);
      if (kind.duplicateProbability > 0) {
        this.duplicates = { probability: kind.duplicateProbability, rng: context.stream("duplicates") };
      }
      const stale = kind.staleReceiptDeleteProbability;
      if (stale > 0)
        this.staleDeletes = { probability: stale, rng: stale < 1 ? context.stream("stale-receipt") : () => 0 };
    } else {
      this.store = new FifoStore(this.queues, this.state, this.admit, context.messages);
      const retry = new SdkRetry(kind.sdkMaxAttempts, context.stream("sdk-retry"));
      this.calls = new ThrottledCalls(new FifoThroughput(kind.partitions), retry, settings.receiveRoundTrip);
    }
    this.loops = receiveLoopsFor(context, settings, this);
  }

  publish(message: number): void {
    this.sendAttempt(message, 1);
  }

  /** One attempt of a SendMessage call (the SDK retries a throttled one). */
  private sendAttempt(message: number, attempt: number): void {
    const { messages, sim } = this.context;
    // SQS is managed and keeps what it has, but while unavailable it takes no new messages.
    if (!this.up) {
      this.context.reject(message);
      return;
    }
    if (this.calls !== null) {
      const next = this.calls.attempt(FifoAction.send, 0, messages.key[messages.slot(message)]! + 1, attempt, sim.now);
      // The SDK's last attempt was throttled: the application's send fails with ThrottlingException.
      if (next === GIVEN_UP) this.context.reject(message);
      else if (next !== TAKEN) sim.schedule(next, this.onSendRetry, message * RETRY_KEY + attempt + 1);
      if (next !== TAKEN) return;
    }
    // FIFO deduplication: a resend of a message (same deduplication id) within 5 minutes is acknowledged, not queued.
    const row = messages.slot(message);
    if (
      this.kind.type === "fifo" &&
      messages.outcome[row] === PublishOutcome.accepted &&
      sim.now - messages.acceptedAt[row]! < DEDUPLICATION_WINDOW
    ) {
      this.context.confirmDuplicate(message);
      return;
    }
    // The MessageGroupId is the message key; messages without a key share one default group.
    if (this.kind.type === "fifo") messages.partition[row] = messages.key[row]! + 1;
    this.context.accept(message);
    this.state.arrive(message);
    if (this.settings.DelaySeconds > 0) {
      for (let queue = 0; queue < this.queues; queue++)
        if (messages.addressedTo(message, queue)) this.state.setStage(queue, message, Stage.delayed);
      this.delayed.push(message);
      sim.schedule(this.settings.DelaySeconds, this.onDelayEnd);
      return;
    }
    // A pipeline stage's message goes to its target group's queue only (docs/patterns.md, "Flows").
    for (let queue = 0; queue < this.queues; queue++)
      if (messages.addressedTo(message, queue)) this.makeVisible(queue, message);
  }

  ack(delivery: number): void {
    this.settleDelivery(delivery, true, null);
  }

  nack(delivery: number): void {
    this.settleDelivery(delivery, false, this.settings.visibilityTimeoutOnFailure);
  }

  /**
   * A broker-delayed retry: ChangeMessageVisibility to the backoff delay, in whole seconds as the API takes
   * them (rounded up, at most 12 hours). The message stays in flight; its receive count grows on the next
   * receive, and the redrive policy's maxReceiveCount dead-letters it.
   */
  retryLater(delivery: number, delayMicros: number): void {
    const wholeSeconds = Math.ceil(delayMicros / SECOND) * SECOND;
    this.settleDelivery(delivery, false, Math.min(wholeSeconds, MAX_VISIBILITY_FROM_RECEIVE));
  }

  /**
   * A heartbeat's ChangeMessageVisibility reached SQS: the timeout restarts at
   * `extendTo` if the handle is the latest and the message is still in flight.
   * It fails while SQS is down and when the extension would pass 12 h.
   */
  heartbeat(delivery: number): void {
    const heartbeat = this.settings.visibilityHeartbeat;
    const { deliveries, consumers } = this.context;
    if (heartbeat === null || !this.up || !deliveries.isOpen(delivery)) return;
    const message = deliveries.message(delivery);
    const queue = consumers[deliveries.consumer(delivery)]!.group;
    if (!this.claimReceipt(queue, message, delivery)) return;
    const receivedAt = deliveries.deliveredAt(delivery);
    this.callFor(FifoAction.changeVisibility, queue, message, delivery, receivedAt, heartbeat.extendTo);
  }

  consumerDown(consumer: number): void {
    this.loops.consumerDown(consumer);
    // Receipts that no longer name an in-flight message can do nothing more; live ones wait for their timeout.
    const { deliveries } = this.context;
    const queue = this.context.consumers[consumer]!.group;
    deliveries.forEachOpen((delivery) => {
      if (deliveries.consumer(delivery) === consumer && !this.isLiveReceipt(queue, delivery))
        deliveries.close(delivery);
    });
  }

  /** A clean stop: the consumer sends no more ReceiveMessage requests. */
  consumerStopping(consumer: number): void {
    this.loops.consumerDown(consumer);
  }

  /**
   * SQS has no connection to close: messages the consumer received and did
   * not process stay in flight until their visibility timeout, as after a
   * crash. (An application could ChangeMessageVisibility them to 0 first; the
   * profile models the default client, which does not.)
   */
  consumerClosed(consumer: number): void {
    this.consumerDown(consumer);
  }

  consumerUp(consumer: number): void {
    this.receiveAttempts[consumer] = 0;
    this.loops.consumerUp(consumer);
  }

  /**
   * StartMessageMoveTask moved the message back from the DLQ: visible again at the tail of its queue, its
   * receive count starting over for the RedrivePolicy. Its retention still runs from when it was first sent.
   */
  redrive(message: number, queue: number): boolean {
    if (!this.up) return false;
    const { messages } = this.context;
    this.redriven.moved(message, queue, messages.deliveryCount[queue]![messages.slot(message)]!);
    // The move sends it anew: it takes the newest place in the arrival order (of a FIFO queue's message group
    // too). The order is shared by the queues; one that still holds the message keeps it where it was.
    this.state.arrive(message);
    this.makeVisible(queue, message);
    return true;
  }

  crash(): void {
    this.up = false;
  }

  restart(): void {
    this.up = true;
    for (let queue = 0; queue < this.queues; queue++) this.loops.wake(queue);
  }

  forEachHeld(visit: (message: number, group: number) => void): void {
    for (let queue = 0; queue < this.queues; queue++) this.state.forEachHeld(queue, visit);
  }

  /**
   * Besides what the queues hold (forEachHeld), what still reads a message after it may have left them: a
   * FIFO call the SDK will send again after a throttle; the DelaySeconds line (a message sent again while it
   * waits is in it twice, the later entry read when it ends); visibility timers still to fire (a message sent
   * again while in flight is received again, its first timer running on); and the stores' lists (a message
   * sent again while held is listed twice, and the second entry may outlive it). docs/design.md, "Memory".
   */
  releaseRead(): number {
    let oldest = Math.min(this.state.oldestWithTimer(), this.store.oldestListed());
    for (const call of this.pendingCalls.values()) if (call.message < oldest) oldest = call.message;
    const delayed = this.delayed;
    for (let i = 0; i < delayed.length; i++) if (delayed.at(i) < oldest) oldest = delayed.at(i);
    return oldest;
  }

  receivable(queue: number): boolean {
    return this.up && this.inFlight[queue]! < this.settings.inFlightLimit && this.store.hasReceivable(queue);
  }

  /** FIFO: a ReceiveMessage call over the quota is throttled; returns -1 if taken, else when the loop calls again. */
  throttleReceive(consumer: number): number {
    if (this.calls === null) return -1;
    const queue = this.context.consumers[consumer]!.group;
    const attempt = ++this.receiveAttempts[consumer]!;
    const next = this.calls.attempt(FifoAction.receive, queue, 0, attempt, this.context.sim.now);
    if (next !== TAKEN && next !== GIVEN_UP) return next;
    this.receiveAttempts[consumer] = 0;
    // After the SDK gives up, the application's loop calls ReceiveMessage again, a round trip later.
    return next === TAKEN ? -1 : this.settings.receiveRoundTrip;
  }

  receive(consumer: number, max: number): number {
    const queue = this.context.consumers[consumer]!.group;
    const room = this.settings.inFlightLimit - this.inFlight[queue]!;
    const count = this.store.take(queue, Math.min(max, room), this.taken);
    let delivered = 0;
    // At zero latency a consumer can crash on receiving the first of a batch: the rest stay in the queue.
    while (delivered < count && this.loops.isAlive(consumer))
      this.deliverOne(queue, this.taken[delivered++]!, consumer);
    for (let i = delivered; i < count; i++) this.store.returnVisible(queue, this.taken[i]!);
    this.reportDepth(queue);
    if (delivered < count) this.loops.wake(queue);
    return delivered;
  }

  private deliverOne(queue: number, message: number, consumer: number): void {
    const { state, context } = this;
    state.setStage(queue, message, Stage.inFlight);
    this.inFlight[queue]!++;
    const timer = context.sim.schedule(
      this.settings.VisibilityTimeout,
      this.onVisibilityEnd,
      message * this.queues + queue,
    );
    state.timerStarted(queue, message, timer);
    // With zero latency the consumer may settle the delivery before `deliver` returns its handle.
    state.setReceipt(queue, message, RECEIPT_PENDING);
    this.loops.free[consumer]!--;
    const delivery = context.deliver(message, consumer);
    if (state.receipt(queue, message) === RECEIPT_PENDING) state.setReceipt(queue, message, delivery);
  }

  /** DeleteMessage (succeeded) or ChangeMessageVisibility (failed) with this delivery's receipt handle. */
  private settleDelivery(delivery: number, succeeded: boolean, onFailure: number | null): void {
    const { deliveries, consumers, incarnations } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const message = deliveries.message(delivery);
    const consumer = deliveries.consumer(delivery);
    const current = deliveries.incarnation(delivery) === incarnations[consumer];
    const queue = consumers[consumer]!.group;
    const latest = this.claimReceipt(queue, message, delivery);
    const receivedAt = deliveries.deliveredAt(delivery);
    deliveries.close(delivery);
    if (succeeded) this.callFor(FifoAction.delete, queue, message, delivery, receivedAt, 0);
    else if (latest && onFailure !== null)
      this.callFor(FifoAction.changeVisibility, queue, message, delivery, receivedAt, onFailure);
    if (current && this.loops.isAlive(consumer)) this.loops.capacityReturned(consumer);
  }

  /** Makes a DeleteMessage or ChangeMessageVisibility call with `receipt` (`timeout`: the new visibility). */
  private callFor(
    action: MessageCall["action"],
    queue: number,
    message: number,
    receipt: number,
    receivedAt: number,
    timeout: number,
  ): void {
    const call = this.firstAttempt;
    call.action = action;
    call.queue = queue;
    call.message = message;
    call.receipt = receipt;
    call.receivedAt = receivedAt;
    call.timeout = timeout;
    call.attempt = 1;
    this.callAttempt(call);
  }

  /**
   * One attempt of a DeleteMessage or ChangeMessageVisibility call. It fails while SQS is down, and when
   * the SDK's last attempt is throttled: either way the message comes back when its timeout ends.
   * A visibility change needs the latest receipt handle; a delete with an older one may still delete.
   */
  private callAttempt(call: MessageCall): void {
    if (!this.up || !this.admitted(call)) return;
    // Read before acting: a zero-latency consumer may make its next call (reusing the record) from inside.
    const { queue, message, receipt, receivedAt, timeout } = call;
    const latest = this.state.receipt(queue, message) === receipt;
    if (call.action === FifoAction.changeVisibility) {
      if (latest) this.changeVisibility(queue, message, receivedAt, timeout);
    } else if (latest || this.staleDeleteTakes(queue, message)) this.delete(queue, message);
  }

  /** FIFO: whether SQS takes the call now; a throttled one is sent again after the SDK's backoff, or given up. */
  private admitted(call: MessageCall): boolean {
    if (this.calls === null) return true;
    const { messages, sim } = this.context;
    const group = messages.partition[messages.slot(call.message)]!;
    const next = this.calls.attempt(call.action, call.queue, group, call.attempt, sim.now);
    if (next === TAKEN) return true;
    if (next !== GIVEN_UP) {
      const id = this.nextPendingCall++;
      this.pendingCalls.set(id, { ...call, attempt: call.attempt + 1 });
      sim.schedule(next, this.onCallRetry, id);
    }
    return false;
  }

  /** Whether `delivery` carries the message's latest receipt handle (an older one changes no visibility, and may not delete). */
  private claimReceipt(queue: number, message: number, delivery: number): boolean {
    const { state } = this;
    if (state.receipt(queue, message) === RECEIPT_PENDING) state.setReceipt(queue, message, delivery);
    return state.receipt(queue, message) === delivery;
  }

  /**
   * A delete with an earlier receipt handle, the message having been received again since. Standard
   * queues: "the request will succeed, but the message might not be deleted" (API DeleteMessage); it is
   * deleted with probability staleReceiptDeleteProbability, drawn only while SQS still holds the
   * message. FIFO: a delete "received outside of the visibility timeout window" fails, and an earlier
   * handle's window ended before the later receive, so it never deletes.
   */
  private staleDeleteTakes(queue: number, message: number): boolean {
    const stale = this.staleDeletes;
    if (stale === null) return false;
    const stage = this.state.stage(queue, message);
    if (stage !== Stage.inFlight && stage !== Stage.visible) return false;
    return stale.rng() < stale.probability;
  }

  private delete(queue: number, message: number): void {
    const stage = this.state.stage(queue, message);
    // Past its timeout but not received again: standard deletes it; FIFO refuses a delete after the timeout.
    if (stage === Stage.visible && this.kind.type === "fifo") return;
    if (stage !== Stage.inFlight && stage !== Stage.visible) return;
    this.state.setReceipt(queue, message, NO_RECEIPT);
    // A standard queue's copy on an unreachable server misses the delete and comes back when its timeout ends.
    if (this.duplicates !== null && this.duplicates.rng() < this.duplicates.probability) return;
    this.state.setStage(queue, message, Stage.absent);
    if (stage === Stage.inFlight) {
      this.endTimer(queue, message);
      this.leaveFlight(queue, message);
    } else {
      this.store.removeVisible(queue, message);
      this.reportDepth(queue);
    }
  }

  /**
   * ChangeMessageVisibility with the latest handle of the receive at `receivedAt`: the timeout restarts
   * from now. It fails if the message is no longer in flight, or if the new timeout would end more than
   * 12 hours after the receive (SQS rejects it rather than shortening it, and the current timeout runs on).
   */
  private changeVisibility(queue: number, message: number, receivedAt: number, timeout: number): void {
    if (this.state.stage(queue, message) !== Stage.inFlight) return;
    if (this.context.sim.now + timeout > receivedAt + MAX_VISIBILITY_FROM_RECEIVE) return;
    this.endTimer(queue, message);
    if (timeout === 0) this.visibilityEnds(queue, message);
    else {
      const key = message * this.queues + queue;
      this.state.timerStarted(queue, message, this.context.sim.schedule(timeout, this.onVisibilityEnd, key));
    }
  }

  private visibilityEnds(queue: number, message: number): void {
    const { state, context } = this;
    if (state.stage(queue, message) !== Stage.inFlight) return;
    this.closeIfAbandoned(state.receipt(queue, message));
    this.inFlight[queue]!--;
    if (this.pastRetention(message)) {
      state.setStage(queue, message, Stage.absent);
      context.drop(message, queue, "retention");
      this.store.leftFlight(queue, message);
    } else {
      state.setStage(queue, message, Stage.visible);
      this.store.returnVisible(queue, message);
    }
    this.reportDepth(queue);
    this.loops.wake(queue);
  }

  /** A receipt held by a consumer life that has ended will never be deleted: close its delivery. */
  private closeIfAbandoned(receipt: number): void {
    const { deliveries, incarnations } = this.context;
    if (receipt < 0 || !deliveries.isOpen(receipt)) return;
    const consumer = deliveries.consumer(receipt);
    if (deliveries.incarnation(receipt) !== incarnations[consumer] || !this.loops.isAlive(consumer)) {
      deliveries.close(receipt);
    }
  }

  private leaveFlight(queue: number, message: number): void {
    this.inFlight[queue]!--;
    this.store.leftFlight(queue, message);
    this.loops.wake(queue);
  }

  private endTimer(queue: number, message: number): void {
    const timer = this.state.timerStopped(queue, message);
    if (timer >= 0) this.context.sim.cancel(timer);
  }

  /** At a receive: past retention, the message is deleted; past maxReceiveCount, it moves to the DLQ. */
  private admitOrDispose(queue: number, message: number): boolean {
    const { context, settings } = this;
    if (this.pastRetention(message)) {
      this.state.setStage(queue, message, Stage.absent);
      context.drop(message, queue, "retention");
      return false;
    }
    const policy = settings.RedrivePolicy;
    const receives = context.messages.deliveryCount[queue]![context.messages.slot(message)]!;
    if (
      policy !== null &&
      receives >= policy.maxReceiveCount &&
      this.redriven.since(message, queue, receives) >= policy.maxReceiveCount
    ) {
      this.state.setStage(queue, message, Stage.absent);
      context.deadLetter(message, queue, "maxReceiveCount");
      return false;
    }
    return true;
  }

  private pastRetention(message: number): boolean {
    const { messages, sim } = this.context;
    const age = sim.now - messages.acceptedAt[messages.slot(message)]!;
    return age >= this.settings.MessageRetentionPeriod;
  }

  private makeVisible(queue: number, message: number): void {
    this.state.setStage(queue, message, Stage.visible);
    this.store.add(queue, message);
    this.reportDepth(queue);
    this.loops.wake(queue);
  }

  private delayEnds(): void {
    const message = this.delayed.shift();
    for (let queue = 0; queue < this.queues; queue++) {
      if (this.state.stage(queue, message) === Stage.delayed) this.makeVisible(queue, message);
    }
  }

  private isLiveReceipt(queue: number, delivery: number): boolean {
    const message = this.context.deliveries.message(delivery);
    return this.state.receipt(queue, message) === delivery && this.state.stage(queue, message) === Stage.inFlight;
  }

  private reportDepth(queue: number): void {
    this.context.observer.depthChanged(queue, this.store.visibleCount(queue), this.context.sim.now);
  }
}
