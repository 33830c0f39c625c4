import type { Simulation } from "../engine/simulation.js";
import type { Sampler } from "../random/distributions.js";
import { type BatchOptions, BatchWork } from "./batches.js";
import type { DeliveryTable } from "./deliveries.js";
import type { EffectLedger } from "./effects.js";
import { lengthened } from "./growable.js";
import { HandBacks } from "./hand-backs.js";
import { DeliveryHeartbeats } from "./heartbeats.js";
import type { IdempotencyGuard } from "./idempotency.js";
import { IntRing } from "./int-ring.js";
import { Fate, type MessageTable } from "./messages.js";
import type { Link } from "./network.js";
import type { RunObserver } from "./observer.js";
import type { GiveUp, GiveUpSink, ProcessingHost, ProcessingPlan } from "./processing.js";
import { ReentryGuard } from "./reentry.js";
import type { ReplySender } from "./requests.js";
import type { StagePublisher } from "./stage-publisher.js";

/** Where in its cycle a consumer can be made to crash. `now` crashes at once, wherever it is. */
export type CrashPoint = "now" | "after-receive" | "after-side-effect" | "after-dedup-record" | "before-ack";

export interface ConsumerOptions {
  index: number;
  group: number;
  /** Stable name, e.g. billing/2: used for random streams and fault targets. */
  name: string;
  concurrency: number;
  processing: Sampler;
  idempotency: IdempotencyGuard;
  /** The application's processing as steps (src/patterns), built for this instance; absent: one `processing` draw. */
  plan?: (host: ProcessingHost) => ProcessingPlan;
  /** Process and settle deliveries in batches (a group's `batch:`); absent: one at a time. */
  batch?: BatchOptions;
}

/**
 * What a broker sees of a consumer that went away:
 * - `closed`: its process died and the operating system closed its sockets (kill -9, an OOM kill, an
 *   uncaught exception): the broker's end of the connection is closed within a network round trip.
 * - `silent`: its sockets stay open and say nothing (the process froze, its host died, or the network
 *   between them broke): only a timeout (heartbeat, session, visibility) tells the broker.
 */
export type ConnectionLoss = "closed" | "silent";

/** How a consumer reaches its broker; the profile decides what acks, nacks and crashes mean. */
export interface BrokerSide {
  ack(delivery: number): void;
  nack(delivery: number): void;
  consumerDown(consumer: number, loss: ConnectionLoss): void;
  consumerUp(consumer: number): void;
  consumerStopping(consumer: number): void;
  consumerClosed(consumer: number): void;
  /** A heartbeat for a delivery the consumer holds (only for profiles whose client sends them). */
  heartbeat?(delivery: number): void;
  /** A broker-delayed retry (only for profiles that have one; see `Broker.retryLater`). */
  retryLater?(delivery: number, delayMicros: number): void;
}

/** What the fault injector hears of a clean stop: it closed (handing back `unstarted`), or the grace period ran out. */
export interface StopListener {
  closed(unstarted: number): void;
  killed(held: number): void;
}

export interface ConsumerWiring {
  sim: Simulation;
  messages: MessageTable;
  deliveries: DeliveryTable;
  observer: RunObserver;
  /** Where side effects are applied (or staged until the broker commits them). */
  effects: EffectLedger;
  toBroker: Link;
  broker: BrokerSide;
  /** Per consumer: its current incarnation, bumped by every crash. */
  incarnations: Int32Array;
  /** How often the profile's client heartbeats each delivery it holds (µs); null or absent: never. */
  heartbeatEvery?: number | null;
  /** Where messages the application gives up on are dead-lettered, parked or dropped (only with a plan). */
  giveUps?: GiveUpSink;
  /** A pipeline stage's onward publishing; absent for a group that publishes nothing. */
  onward?: StagePublisher;
  /** A responder group's replies to requesters; absent for a group no requester sends to. */
  replies?: ReplySender;
}

/**
 * One consumer instance. Its cycle for each delivery: receive, check the
 * dedup store, process, apply the side effect, record the id, ack. Deliveries
 * beyond `concurrency` wait in its local buffer. Once received, a delivery is
 * the consumer's own work: what the broker later does with it (a redelivery
 * elsewhere after a timeout, say) does not stop the processing under way. A
 * crash abandons everything the instance holds; the profile decides its fate.
 *
 * A clean stop drains first: the consumer tells the broker to send nothing
 * new, finishes and acks the deliveries it is processing, starts none of the
 * ones waiting in its buffer, then closes; the broker takes those back. If
 * the grace period runs out first, the instance is killed (a crash).
 *
 * A profile whose client heartbeats held deliveries (SQS's visibility
 * heartbeat) gets one beat per held delivery every `heartbeatEvery`, sent over
 * the consumer's link until the delivery is settled or the instance dies.
 */
export class Consumer {
  private busy = 0;
  private readonly buffered = new IntRing();
  private readonly work = new WorkSlots();
  private armedCrash: { point: CrashPoint; loss: ConnectionLoss; onCrash: (held: number) => void } | null = null;
  private up = true;
  /** Held while an ack or nack is sent: a delivery it brings back at once (zero latency) waits its turn in the buffer. */
  private readonly settling = new ReentryGuard();
  private readonly startingBuffered = new ReentryGuard();
  /** While a clean stop drains: who to tell, and the grace-period kill scheduled for it. */
  private draining: { listener: StopListener; kill: number } | null = null;
  /** Cut off by a partition: the broker already counts it gone, and nothing it sends arrives. */
  private disconnected = false;
  /** Its close is still on the wire: a restart waits for it, so the broker hears close before up. */
  private closing = false;
  private restartWhenClosed = false;
  /** Processing times are multiplied by this (a slow-consumer fault). */
  slowdown = 1;

  /** Receives a delivery; bound once so the network can call it without allocating. */
  readonly receive = (delivery: number): void => {
    const { deliveries, incarnations } = this.wiring;
    // A delivery the broker took back while it was on the wire, or sent to an earlier life, is ignored.
    if (!this.up || !deliveries.isOpen(delivery)) return;
    if (deliveries.incarnation(delivery) !== incarnations[this.options.index]) return;
    const slot = this.work.take(deliveries.message(delivery), delivery, incarnations[this.options.index]!);
    this.heartbeats?.begin(slot, delivery);
    if (this.batches !== null) {
      this.buffered.push(slot);
      if (!this.settling.held) this.fillBatches();
      return;
    }
    // While draining, a delivery that was already on its way waits, unstarted, for the broker to take it back.
    if (this.busy < this.options.concurrency && !this.settling.held && this.draining === null) this.start(slot);
    else this.buffered.push(slot);
  };

  private readonly finish = (slot: number): void => {
    this.complete(slot, false);
  };

  /** Processing ended well: the side effect (unless a dependency call already carried it), the id, the ack. */
  private complete(slot: number, effectApplied: boolean): void {
    const outcome = this.applyEffect(slot, effectApplied);
    if (outcome === "crashed") return;
    if (outcome === "applied" && this.crashesAt("before-ack")) return;
    this.settle(slot, outcome !== "failed");
  }

  /**
   * The end of one message's processing: the side effect and the dedup record, with their crash points.
   * `failed`: a poison message; `rolled-back`: a parallel copy already committed the inbox row.
   */
  private applyEffect(slot: number, effectApplied: boolean): "failed" | "rolled-back" | "crashed" | "applied" {
    const { messages, sim } = this.wiring;
    const message = this.work.message[slot]!;
    if (messages.poison[messages.slot(message)] === 1) return "failed";
    const guard = this.options.idempotency;
    if (guard.recordsAtomically && guard.alreadyProcessed(message, sim.now)) {
      // The inbox row already exists (a parallel copy committed first): this transaction rolls back.
      this.consume(message);
      return "rolled-back";
    }
    if (!effectApplied) this.wiring.effects.apply(message, this.options.index, this.work.incarnation[slot]!, sim.now);
    const onward = this.wiring.onward;
    const writes = onward?.writesOf?.(this.options.index) ?? null;
    // With an outbox the dedup store is a table of the stage's own database: its record commits with the effect.
    const recordsWithEffect = guard.recordsAtomically || (writes === "outbox" && guard.records);
    if (recordsWithEffect) guard.record(message, sim.now);
    this.consume(message);
    // With writes, the onward messages are committed in the effect's transaction (docs/patterns.md, "Stages through an outbox").
    if (writes !== null) onward!.publishOnward(message, this.options.index);
    if (this.crashesAt("after-side-effect")) return "crashed";
    if (guard.records && !recordsWithEffect) {
      guard.record(message, sim.now);
      if (this.crashesAt("after-dedup-record")) return "crashed";
    }
    // A stage publishes onward after its effect (and id) and before its ack: the common dual write.
    if (onward !== undefined && writes === null) onward.publishOnward(message, this.options.index);
    // A responder replies after its effect and before its ack, like a stage's publish: the same dual write.
    this.wiring.replies?.replied(message, this.options.index, false);
    return "applied";
  }

  private readonly plan: ProcessingPlan | null = null;
  /** Broker-delayed retries on their way, made on the first (`retry: {via: broker}` only). */
  private handBacks: HandBacks | null = null;

  private readonly ack: (delivery: number) => void;
  private readonly nack: (delivery: number) => void;
  private readonly heartbeats: DeliveryHeartbeats | null = null;
  private readonly batches: BatchWork | null = null;
  /** The stop notice reaching the broker; dropped if the life it was sent in ended on the way. */
  private readonly stopArrives = (incarnation: number): void => {
    if (this.wiring.incarnations[this.options.index] === incarnation)
      this.wiring.broker.consumerStopping(this.options.index);
  };
  private readonly closeArrives = (consumer: number): void => {
    this.closing = false;
    this.wiring.broker.consumerClosed(consumer);
    if (this.restartWhenClosed) {
      this.restartWhenClosed = false;
      this.restart();
    }
  };

  constructor(
    readonly options: ConsumerOptions,
    private readonly wiring: ConsumerWiring,
  ) {
    const broker = wiring.broker;
    this.ack = (delivery) => broker.ack(delivery);
    this.nack = (delivery) => broker.nack(delivery);
    const every = wiring.heartbeatEvery ?? null;
    if (every !== null && broker.heartbeat !== undefined) {
      const heartbeat = broker.heartbeat.bind(broker);
      this.heartbeats = new DeliveryHeartbeats(wiring.sim, every, wiring.toBroker, heartbeat);
    }
    if (options.plan !== undefined) this.plan = options.plan(this.processingHost());
    if (options.batch !== undefined) this.batches = new BatchWork(options.batch, wiring.sim);
  }

  /** The consumer as its processing plan calls it back. */
  private processingHost(): ProcessingHost {
    const consumer = this;
    return {
      consumer: this.options.index,
      get slowdown() {
        return consumer.slowdown;
      },
      lifeOf: (slot) => this.work.incarnation[slot]!,
      applyEffect: (message, life) => this.wiring.effects.apply(message, this.options.index, life, this.wiring.sim.now),
      completed: (slot, effectApplied) => this.complete(slot, effectApplied),
      gaveUp: (slot, how, reason) => this.giveUp(slot, how, reason),
      receiveCount: (slot) => {
        const { messages } = this.wiring;
        return messages.deliveryCount[this.options.group]![messages.slot(this.work.message[slot]!)]!;
      },
      retryLater: (slot, delayMicros) => this.settle(slot, false, delayMicros),
      attemptFailed: (slot, attempt, why, retryIn) => {
        const { observer, sim } = this.wiring;
        const { group, index } = this.options;
        observer.attemptFailed?.(this.work.message[slot]!, group, index, attempt, why, retryIn, sim.now);
      },
    };
  }

  /** After the last attempt: nack to the broker, or dead-letter, park or drop it here and ack the delivery. */
  private giveUp(slot: number, how: GiveUp, reason: string): void {
    if (how === "nack") {
      this.settle(slot, false);
      return;
    }
    const sink = this.wiring.giveUps;
    if (sink === undefined) throw new Error("invariant: a consumer with a processing plan has no give-up sink");
    const message = this.work.message[slot]!;
    const group = this.options.group;
    const { consumedBy, fate } = this.wiring.messages;
    const row = this.wiring.messages.slot(message);
    // Another copy (a redelivery, or a pub/sub instance's own) already settled the pair: it is counted once.
    const accounted = consumedBy[group]![row]! > 0 || fate[group]![row]! !== Fate.none;
    if (!accounted) {
      if (how === "drop") sink.drop(message, group, reason);
      else sink.deadLetter(message, group, how === "park" ? `parked: ${reason}` : reason);
      this.wiring.onward?.gaveUp?.(message, this.options.index);
    }
    this.settle(slot, true);
  }

  /**
   * The lowest message id this consumer may still read or change (received, buffered or in processing, even
   * when the broker already took the delivery back), or +Infinity when none: for retirement.
   */
  oldestHeld(): number {
    return this.work.oldestMessage();
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Deliveries the instance holds: being processed or waiting in its buffer. */
  get held(): number {
    return (this.batches === null ? this.busy : this.batches.held) + this.buffered.length;
  }

  /**
   * Makes the next pass through `point` crash the instance (`now` crashes immediately); `loss` is what
   * the broker's end of its connection sees.
   */
  armCrash(point: CrashPoint, loss: ConnectionLoss, onCrash: (held: number) => void): void {
    if (!this.up) return;
    this.armedCrash = { point, loss, onCrash };
    if (point === "now") this.crashesAt("now");
  }

  /**
   * A network partition cuts the consumer off: it keeps processing what it
   * holds (its acks are lost on the cut link), and the broker sees a dead
   * connection. Reconnecting starts a new session, as a restart does.
   */
  disconnect(): void {
    if (!this.up) return;
    this.disconnected = true;
    this.wiring.incarnations[this.options.index]!++;
    this.wiring.broker.consumerDown(this.options.index, "silent");
  }

  reconnect(): void {
    if (!this.up) return;
    this.disconnected = false;
    this.wiring.incarnations[this.options.index]!++;
    this.wiring.broker.consumerUp(this.options.index);
  }

  /** Cancels a crash armed for a point the consumer has not reached. */
  disarmCrash(): void {
    this.armedCrash = null;
  }

  /** Restarts a crashed instance with empty hands; the broker is told it is back. */
  restart(): void {
    if (this.up) return;
    if (this.closing) {
      this.restartWhenClosed = true;
      return;
    }
    this.up = true;
    this.disconnected = false;
    this.wiring.onward?.restarted?.(this.options.index);
    // A new life: deliveries sent to the dead one (the broker had not noticed) are not this one's.
    this.wiring.incarnations[this.options.index]!++;
    this.wiring.broker.consumerUp(this.options.index);
  }

  /**
   * Begins a clean stop. Returns false if the instance is down or already
   * stopping. The broker hears of it over the consumer's link, after the acks
   * already sent; the kill comes `gracePeriod` later if work is still under way.
   */
  stop(gracePeriod: number, listener: StopListener): boolean {
    if (!this.up || this.draining !== null) return false;
    const kill = this.wiring.sim.schedule(gracePeriod, () => this.kill());
    this.draining = { listener, kill };
    if (!this.disconnected) this.wiring.toBroker.send(this.stopArrives, this.wiring.incarnations[this.options.index]!);
    if (this.busy === 0) this.close();
    return true;
  }

  get isStopping(): boolean {
    return this.draining !== null;
  }

  /** Deliveries being processed now (not those waiting in the buffer). */
  get inProgress(): number {
    return this.batches === null ? this.busy : this.batches.held;
  }

  private start(slot: number): void {
    this.busy++;
    if (this.crashesAt("after-receive")) return;
    const message = this.work.message[slot]!;
    if (this.options.idempotency.alreadyProcessed(message, this.wiring.sim.now)) {
      // Seen before: acknowledge without repeating the effect (an idempotent responder sends its stored reply).
      this.consume(message);
      this.wiring.replies?.replied(message, this.options.index, true);
      this.settle(slot, true);
      return;
    }
    if (this.plan !== null) {
      this.plan.begin(slot, message);
      return;
    }
    const duration = Math.round(this.options.processing() * this.slowdown);
    this.work.event[slot] = this.wiring.sim.schedule(duration, this.finish, slot);
  }

  private consume(message: number): void {
    const { messages, observer, sim } = this.wiring;
    const group = this.options.group;
    observer.consumed(message, group, this.options.index, messages.recordConsumed(message, group), sim.now);
  }

  /** Acks (or, for a failed delivery, nacks) and moves on to the next buffered delivery. */
  private settle(slot: number, succeeded: boolean, retryAfterMicros: number | null = null): void {
    const delivery = this.work.delivery[slot]!;
    this.heartbeats?.end(slot);
    this.work.release(slot);
    this.busy--;
    // At zero latency the ack can bring a new delivery at once; it queues behind what was already buffered.
    this.settling.enter();
    if (retryAfterMicros === null) this.wiring.toBroker.send(succeeded ? this.ack : this.nack, delivery);
    else {
      this.handBacks ??= new HandBacks(this.wiring.broker);
      this.handBacks.send(this.wiring.toBroker, delivery, retryAfterMicros);
    }
    this.settling.leave();
    // A delivery that settles at once (a duplicate already processed, a call refused by an open breaker)
    // comes back here from start(): the loop further up the stack takes the next one, so a long buffer
    // is a loop, not a recursion as deep as the buffer.
    if (!this.startingBuffered.enter()) return;
    while (this.buffered.length > 0 && this.busy < this.options.concurrency && this.up && this.draining === null) {
      this.start(this.buffered.shift());
    }
    this.startingBuffered.leave();
    if (this.draining !== null && this.busy === 0 && this.up) this.close();
  }

  /**
   * Batch mode: while a worker is free, it takes `size` buffered deliveries, or fewer once its wait ran out.
   * A batch that ends at once (everything already processed) comes back here: the loop further up takes the next.
   */
  private fillBatches(): void {
    const batches = this.batches!;
    if (!this.startingBuffered.enter()) return;
    while (this.up && this.draining === null && this.busy < this.options.concurrency && this.buffered.length > 0) {
      if (this.buffered.length < batches.options.size && !batches.mayTakeShort(this.batchWaitEnded)) break;
      const slots: number[] = [];
      const count = Math.min(batches.options.size, this.buffered.length);
      for (let taken = 0; taken < count; taken++) slots.push(this.buffered.shift());
      this.startBatch(slots);
    }
    this.startingBuffered.leave();
  }

  private readonly batchWaitEnded = (): void => {
    this.batches!.waitEnded();
    this.fillBatches();
  };

  /** A worker takes a batch: the batch's overhead first, then each message in turn. */
  private startBatch(slots: number[]): void {
    const batches = this.batches!;
    this.busy++;
    const id = batches.begin(slots);
    if (this.crashesAt("after-receive")) return;
    const overhead = Math.round(batches.options.overhead() * this.slowdown);
    if (overhead === 0) this.nextInBatch(id);
    else this.work.event[slots[0]!] = this.wiring.sim.schedule(overhead, this.batchOverheadPaid, id);
  }

  private readonly batchOverheadPaid = (id: number): void => {
    this.work.event[this.batches!.batch(id).slots[0]!] = -1;
    this.nextInBatch(id);
  };

  /** Processes the batch's next message; one seen before (the dedup store) is counted and not repeated. */
  private nextInBatch(id: number): void {
    const batch = this.batches!.batch(id);
    const { sim } = this.wiring;
    while (batch.next < batch.slots.length) {
      const slot = batch.slots[batch.next]!;
      if (!this.options.idempotency.alreadyProcessed(this.work.message[slot]!, sim.now)) {
        const duration = Math.round(this.options.processing() * this.slowdown);
        this.work.event[slot] = sim.schedule(duration, this.batchMessageDone, id);
        return;
      }
      this.consume(this.work.message[slot]!);
      this.wiring.replies?.replied(this.work.message[slot]!, this.options.index, true);
      batch.next++;
    }
    this.endBatch(id);
  }

  private readonly batchMessageDone = (id: number): void => {
    const batch = this.batches!.batch(id);
    const slot = batch.slots[batch.next]!;
    this.work.event[slot] = -1;
    const outcome = this.applyEffect(slot, false);
    if (outcome === "crashed") return;
    if (outcome === "failed") batch.failed.push(slot);
    batch.next++;
    this.nextInBatch(id);
  };

  /** Every message of the batch is processed: one settlement for all of them (failed ones nacked), then the next batch. */
  private endBatch(id: number): void {
    if (this.crashesAt("before-ack")) return;
    const batches = this.batches!;
    const batch = batches.batch(id);
    const acks: number[] = [];
    const nacks: number[] = [];
    for (const slot of batch.slots) {
      (batch.failed.includes(slot) ? nacks : acks).push(this.work.delivery[slot]!);
      this.heartbeats?.end(slot);
      this.work.release(slot);
    }
    const ticket = batches.end(id, acks, nacks);
    this.busy--;
    this.settling.enter();
    this.wiring.toBroker.send(this.batchSettlementArrives, ticket);
    this.settling.leave();
    this.fillBatches();
    if (this.draining !== null && this.busy === 0 && this.up) this.close();
  }

  private readonly batchSettlementArrives = (ticket: number): void => {
    const settlement = this.batches!.arrived(ticket);
    if (settlement === null) return;
    const { acks, nacks } = settlement;
    const broker = this.wiring.broker;
    for (const delivery of acks) broker.ack(delivery);
    for (const delivery of nacks) broker.nack(delivery);
  };

  /**
   * The drain is done: the connection closes. The incarnation moves on only
   * at the restart, so when the broker hears of the close, whatever it has
   * open for the current incarnation is what the consumer handed back.
   */
  private close(): void {
    const { listener } = this.endDrain()!;
    const unstarted = this.buffered.length;
    this.up = false;
    this.buffered.clear();
    this.work.releaseAll(this.wiring.sim, this.plan);
    this.batches?.reset();
    this.heartbeats?.endAll();
    // Cut off by a partition, the broker already counts it gone; a restart tells it the consumer is back.
    if (!this.disconnected) {
      this.closing = true;
      this.wiring.toBroker.send(this.closeArrives, this.options.index);
    }
    listener.closed(unstarted);
  }

  /** The grace period ran out with work still under way: the instance is killed, as by a crash. */
  private kill(): void {
    const draining = this.draining;
    if (draining === null) return;
    // Its own event is firing: there is nothing left to cancel.
    this.draining = null;
    const held = this.held;
    // Killed by its supervisor (SIGKILL after the grace period): the operating system closes its sockets.
    this.die("closed");
    draining.listener.killed(held);
  }

  private endDrain(): { listener: StopListener } | null {
    const draining = this.draining;
    if (draining === null) return null;
    this.draining = null;
    this.wiring.sim.cancel(draining.kill);
    return draining;
  }

  private crashesAt(point: CrashPoint): boolean {
    const armed = this.armedCrash;
    if (armed === null || armed.point !== point) return false;
    this.armedCrash = null;
    const held = this.held;
    this.die(armed.loss);
    armed.onCrash(held);
    return true;
  }

  /** The process is gone at once: everything it holds is abandoned, and the broker must find out by itself. */
  private die(loss: ConnectionLoss): void {
    this.endDrain();
    this.up = false;
    this.wiring.onward?.crashed?.(this.options.index);
    this.wiring.incarnations[this.options.index]!++;
    this.busy = 0;
    this.buffered.clear();
    this.work.releaseAll(this.wiring.sim, this.plan);
    this.batches?.reset();
    this.heartbeats?.endAll();
    this.wiring.broker.consumerDown(this.options.index, loss);
  }
}

/**
 * A consumer's own record of the deliveries it holds, and the processing event
 * scheduled for each, so a crash can cancel work under way.
 */
class WorkSlots {
  message = new Int32Array(8);
  delivery = new Float64Array(8);
  /** The consumer's incarnation when it received the delivery: the life (and so the transaction) the work belongs to. */
  incarnation = new Int32Array(8);
  /** Handle of the scheduled end of processing, or -1. */
  event = new Float64Array(8).fill(-1);
  /** 1 while the slot holds a message (taken and not released). */
  private live = new Uint8Array(8);
  private free: number[] = [];
  private used = 0;

  take(message: number, delivery: number, incarnation: number): number {
    const slot = this.free.length > 0 ? this.free.pop()! : this.grow();
    this.message[slot] = message;
    this.delivery[slot] = delivery;
    this.incarnation[slot] = incarnation;
    this.event[slot] = -1;
    this.live[slot] = 1;
    return slot;
  }

  release(slot: number): void {
    this.event[slot] = -1;
    this.live[slot] = 0;
    this.free.push(slot);
  }

  /** The lowest message id a slot holds, or +Infinity when none does. */
  oldestMessage(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (let slot = 0; slot < this.used; slot++)
      if (this.live[slot] === 1 && this.message[slot]! < oldest) oldest = this.message[slot]!;
    return oldest;
  }

  /** Forgets every slot, cancelling processing under way. */
  releaseAll(sim: { cancel(event: number): void }, plan: ProcessingPlan | null): void {
    this.free.length = 0;
    for (let slot = this.used - 1; slot >= 0; slot--) {
      plan?.abandon(slot);
      if (this.event[slot]! >= 0) sim.cancel(this.event[slot]!);
      this.event[slot] = -1;
      this.live[slot] = 0;
      this.free.push(slot);
    }
  }

  private grow(): number {
    if (this.used === this.message.length) {
      this.message = lengthened(this.message, this.used * 2);
      this.delivery = lengthened(this.delivery, this.used * 2);
      this.incarnation = lengthened(this.incarnation, this.used * 2);
      this.event = lengthened(this.event, this.used * 2, -1);
      this.live = lengthened(this.live, this.used * 2);
    }
    return this.used++;
  }
}
