import type { Simulation } from "../engine/simulation.js";
import type { Sampler } from "../random/distributions.js";
import type { Rng } from "../random/streams.js";
import { IntMap } from "./int-map.js";
import { IntRing } from "./int-ring.js";
import { type MessageTable, ProducerView } from "./messages.js";
import type { Link } from "./network.js";
import type { RunObserver } from "./observer.js";
import type { CommittedWrites, WritesHost } from "./outbox.js";
import { type BlockedProducers, failSend, type ProducerClient, type ProducerClientFactory } from "./producer-client.js";
import {
  BatchesOnTheWire,
  PublishBatcher,
  type PublishBatchFigures,
  type PublishBatchOptions,
} from "./publish-batches.js";
import type { PublishLimit } from "./publish-limit.js";
import type { PublisherGate } from "./publisher-gate.js";
import type { TickLedger } from "./recurring.js";
import { ReentryGuard } from "./reentry.js";
import type { RequestGate, RequestSend } from "./requests.js";

/** How a producer client handles confirms: wait at most `timeout`, then resend up to `retries` times. */
export interface PublishPolicy {
  /** Microseconds to wait for a confirm, or null to wait forever (and track nothing). */
  timeout: number | null;
  retries: number;
  backoff: number;
  /** After a restart, send again the messages the crash left unknown (in creation order). */
  resendOnRestart: boolean;
}

export interface ProducerOptions {
  index: number;
  name: string;
  /** The next creation time (µs), or Infinity: an arrival process, or a recurring producer's ticks. */
  arrivals: { next(): number };
  /** A recurring producer's account of its ticks (missed while down, published at restart); absent otherwise. */
  ticks?: TickLedger;
  pickKey: () => number;
  /** Whether the next message is a poison message (processing it always fails). */
  isPoison: () => boolean;
  sampleSize: Sampler;
  /** The next message's priority; absent when the producer sets none (the message keeps priority 0). */
  pickPriority?: () => number;
  /** The next message's routing key, as an index into the producer's keys; absent when it sets none (index 0, the empty key). */
  pickRoutingKey?: () => number;
  /** Messages stop being created at this time (the scenario's duration). */
  stopAt: number;
  /** Most messages this instance creates; Infinity for no limit. */
  limit: number;
  publish: PublishPolicy;
  /** Send in batches (a producer's `batch:`), with the instance's figures; absent: each message on its own. */
  batch?: { options: PublishBatchOptions; figures: PublishBatchFigures };
}

export interface ProducerWiring {
  sim: Simulation;
  messages: MessageTable;
  observer: RunObserver;
  gate: PublisherGate;
  toBroker: Link;
  /** Where a publish lands when it reaches the broker. */
  publishHandler: (message: number) => void;
  /** The profile's client library, if it has one (see ProducerClient), and what it needs. */
  client: { create: ProducerClientFactory; blocked: BlockedProducers; stream: (purpose: string) => Rng } | null;
  /** The producer's client-side rate limit (see PublishLimit), or null: each message is sent as it is created. */
  publishLimit: PublishLimit | null;
  /** With `writes:`, how a committed state change reaches the broker (dual write or outbox); null publishes each message as it is created. */
  writes: ((host: Omit<WritesHost, "commitLatency">) => CommittedWrites) | null;
  /** With `request:`, the requester that decides when each request is sent (src/run/requests.ts); absent otherwise. */
  requests?: (send: RequestSend) => RequestGate;
}

/**
 * One producer instance: creates messages on its arrival schedule and sends
 * them to the broker. With a publish timeout it tracks confirms: a publish not
 * confirmed in time is sent again (a retry, which the broker may accept twice),
 * and after the last retry its outcome is unknown to the producer. A crash
 * leaves every unconfirmed publish unknown and creates nothing until restart.
 */
export class Producer {
  private created = 0;
  private up = true;
  /** Messages held while the broker blocks publishing, oldest first. */
  private readonly backlog = new IntRing();
  /** With a rate limit: messages waiting for their permit → the event that releases each, in creation order. */
  private readonly awaitingPermit = new Map<number, number>();
  /**
   * Permit events still to fire, per message. A message published again while it waits (an outbox relay's or a
   * requester's resend) gets a second permit, and the first one's event still fires: the message is held until
   * every one has (`oldestHeld`). An IntMap: no allocation as entries come and go.
   */
  private readonly permitsDue = new IntMap();
  /** With resendOnRestart: messages a crash left unknown, sent again at restart. */
  private unknownSinceCrash: number[] = [];
  /** Unconfirmed publishes: message → attempts so far and the timeout event. */
  /**
   * Messages sent and waiting for a confirm (with a publish timeout): the timer of each, and how many times it
   * was sent. IntMaps, not Maps: one entry per message in flight, and a Map allocates as entries come and go.
   */
  private readonly awaitingTimer = new IntMap();
  private readonly sendAttempts = new IntMap();
  /**
   * With a publish timeout and no client library: copies of each message sent and not yet answered by the
   * broker (on the wire or in its intake). A resend can reach the broker after the producer has its
   * confirm or gave up, and the broker then takes it again, so the message stays in play until the broker
   * has answered every copy (see `oldestHeld`, `answered`).
   */
  private readonly onWire: IntMap | null;
  /** The profile's client library: it takes each message it has room for and settles it. */
  private readonly client: ProducerClient | null;
  /** With `writes:`, the dual write or outbox relay each created message is committed to. */
  private readonly writes: CommittedWrites | null;
  /** With `request:`, the requester each created message is handed to. */
  private readonly requests: RequestGate | null;
  /** While the client refuses the head of the backlog: the application is blocked, and that head fails at `blockTimer`. */
  private refusedByClient = false;
  private blockedByClient = false;
  private blockedHead = -1;
  private blockTimer = -1;
  /** A client can free room from inside a send (a zero-latency confirm): the outer flush carries on then. */
  private readonly flushing = new ReentryGuard();
  private readonly onBlockTimeout = (): void => this.blockTimedOut();
  private readonly onArrival = (): void => this.arrive();
  private readonly onPermit = (message: number): void => {
    this.awaitingPermit.delete(message);
    countDown(this.permitsDue, message);
    this.wiring.publishLimit!.waitingChanged(-1);
    this.enqueue(message);
  };
  private readonly onTimeout = (message: number): void => this.timedOut(message);
  private readonly batcher: PublishBatcher | null = null;
  private readonly batchesOnTheWire = new BatchesOnTheWire();
  private readonly onBatchArrives = (ticket: number): void => {
    const batch = this.batchesOnTheWire.take(ticket);
    if (batch === null) return;
    for (const message of batch) this.wiring.publishHandler(message);
  };
  private readonly onResend = (message: number): void => {
    if (this.up && this.awaitingTimer.has(message)) this.send(message);
  };

  /**
   * The broker answered one copy of `message` (accepted, refused or deduplicated it), whether or not the
   * answer will reach the producer: that copy is no longer on its way.
   */
  answered(message: number): void {
    const onWire = this.onWire;
    if (onWire === null) return;
    const copies = onWire.get(message);
    if (copies === undefined) return;
    if (copies === 1) onWire.delete(message);
    else onWire.set(message, copies - 1);
  }

  /** A confirm or nack reached the producer. */
  readonly onConfirm = (message: number): void => {
    if (this.up) this.writes?.confirmed(message);
    if (this.client === null) this.settle(message, ProducerView.confirmed);
    else if (this.up) this.client.confirmed(message);
  };
  readonly onNack = (message: number): void => {
    if (this.up) this.writes?.nacked(message);
    if (this.client === null) this.settle(message, ProducerView.nacked);
    else if (this.up) this.client.refused(message);
  };

  constructor(
    readonly options: ProducerOptions,
    private readonly wiring: ProducerWiring,
  ) {
    wiring.gate.onOpen(() => this.flushBacklog());
    this.client =
      wiring.client === null
        ? null
        : wiring.client.create({
            sim: wiring.sim,
            messages: wiring.messages,
            observer: wiring.observer,
            name: options.name,
            transmit: (message) => this.transmit(message),
            roomFreed: () => this.flushBacklog(),
            stream: wiring.client.stream,
          });
    const { sim, messages } = wiring;
    const publish = (message: number) => this.publishCommitted(message);
    const committingEnded = () => this.created >= options.limit || sim.now >= options.stopAt;
    this.writes = wiring.writes?.({ sim, messages, publish, committingEnded }) ?? null;
    this.requests = wiring.requests?.((message) => this.publishCommitted(message)) ?? null;
    // Copies on their way to the broker, for the retirement (oldestHeld): kept by a producer that may send a
    // message again (a publish timeout, a client that retries, a resend at restart, an outbox relay, a requester);
    // a copy still on the wire after an earlier one was answered must keep its row.
    const republishes =
      options.publish.resendOnRestart || this.writes?.wantsConfirms === true || this.requests !== null;
    const resends = this.client === null ? options.publish.timeout !== null : this.client.wantsAnswers;
    this.onWire = resends || republishes ? new IntMap() : null;
    const batch = options.batch;
    if (batch !== undefined)
      this.batcher = new PublishBatcher(batch.options, wiring.sim, wiring.messages, batch.figures, (messages) =>
        this.transmitBatch(messages),
      );
  }

  /** Whether this producer listens for confirms (only then are they sent back to it). */
  get tracksConfirms(): boolean {
    if (this.writes?.wantsConfirms) return true;
    return this.client === null ? this.options.publish.timeout !== null : this.client.wantsAnswers;
  }

  start(): void {
    this.writes?.start();
    this.scheduleNext();
  }

  /** The writes publish a committed message: the application sends it now, as if just created. */
  private publishCommitted(message: number): void {
    if (this.up) this.publishWhenPermitted(message, this.wiring.sim.now);
  }

  /** The producer process dies: what it had not seen confirmed becomes unknown to it. */
  crash(): number {
    if (!this.up) return 0;
    this.up = false;
    const { messages, sim } = this.wiring;
    const before = this.unknownSinceCrash.length;
    // An unsent batch dies with the process; those of its messages that wait for a confirm are counted next.
    const unsentBatch = this.batcher?.crash() ?? [];
    for (const message of unsentBatch) if (!this.awaitingTimer.has(message)) this.unknownSinceCrash.push(message);
    this.backlog.forEach((message) => {
      this.unknownSinceCrash.push(message);
    });
    this.backlog.clear();
    this.dropPermits();
    if (!this.options.publish.resendOnRestart) this.neverSent(this.unknownSinceCrash.slice(before), unsentBatch);
    // Ascending ids (an IntMap keeps no order); the list is sorted before any resend anyway.
    for (const message of this.awaitingTimer.keys()) {
      sim.cancel(this.awaitingTimer.get(message)!);
      this.unknownSinceCrash.push(message);
    }
    this.awaitingTimer.clear();
    this.sendAttempts.clear();
    if (this.client !== null) this.client.crash((message) => this.unknownSinceCrash.push(message));
    this.writes?.crash();
    this.requests?.crashed();
    const fresh = this.unknownSinceCrash.splice(before);
    for (const message of fresh) messages.producerView[messages.slot(message)] = ProducerView.unknown;
    if (this.options.publish.resendOnRestart) this.unknownSinceCrash.push(...fresh);
    const unknown = fresh.length;
    this.refusedByClient = false;
    this.updateBlocking();
    return unknown;
  }

  /**
   * Without a resend at restart, what a crash caught before sending (its backlog, permits, the batch being
   * filled) is never sent: the retirement need not wait for its answer. An earlier copy of one, sent again by a
   * relay or after a timeout, is in `onWire` until the broker answers it.
   */
  private neverSent(...caught: number[][]): void {
    for (const messages of caught) for (const message of messages) this.wiring.messages.markNeverSent(message);
  }

  /**
   * Back up; with resendOnRestart, what the crash left unknown is sent again first, oldest first
   * (with a rate limit, each waits for a new permit: the application publishes it again).
   */
  /** Whether the instance is running (not crashed). */
  get isUp(): boolean {
    return this.up;
  }

  restart(): void {
    // A restart of an instance that is running changes nothing (a crash aimed at it while it was down was refused).
    if (this.up) return;
    this.up = true;
    this.writes?.restart();
    this.requests?.restarted();
    this.resendAfterRestart();
    this.publishMissedTicks();
  }

  private resendAfterRestart(): void {
    const resend = this.unknownSinceCrash.sort((a, b) => a - b);
    this.unknownSinceCrash = [];
    const limit = this.wiring.publishLimit;
    if (limit !== null) {
      limit.restarted();
      for (const message of resend) {
        this.wiring.messages.producerView[this.wiring.messages.slot(message)] = ProducerView.waiting;
        this.publishWhenPermitted(message, this.wiring.sim.now);
      }
      return;
    }
    if (resend.length === 0) return;
    const queued: number[] = [];
    this.backlog.forEach((message) => {
      queued.push(message);
    });
    this.backlog.clear();
    for (const message of [...resend, ...queued]) {
      this.wiring.messages.producerView[this.wiring.messages.slot(message)] = ProducerView.waiting;
      this.backlog.push(message);
    }
    this.flushBacklog();
  }

  /**
   * The lowest message id this producer may still read or change (waiting, blocked, unconfirmed, left
   * unknown by a crash and to be resent, in a batch being filled or on the wire, held by its writes or its
   * requester), or +Infinity when none: rows below it may be retired as far as this producer is concerned. A profile's client library keeps ids of its own: it says which (or nothing is retired).
   */
  oldestHeld(): number {
    let oldest =
      this.client === null ? Number.POSITIVE_INFINITY : (this.client.oldestHeld?.() ?? Number.NEGATIVE_INFINITY);
    const older = (message: number) => {
      if (message < oldest) oldest = message;
    };
    this.backlog.forEach(older);
    older(this.permitsDue.smallestKey());
    older(this.awaitingTimer.smallestKey());
    for (const message of this.unknownSinceCrash) older(message);
    if (this.onWire !== null) older(this.onWire.smallestKey());
    // A batch on the wire needs no look: its copies are in `onWire` (or, never sent before, not yet answered).
    if (this.batcher !== null) older(this.batcher.oldestHeld());
    if (this.writes !== null) older(this.writes.oldestHeld());
    if (this.requests !== null) older(this.requests.oldestHeld());
    return oldest;
  }

  private arrive(): void {
    const ticks = this.options.ticks;
    if (ticks !== undefined) ticks.ticked(this.up, this.wiring.sim.now);
    if (this.up) this.createMessage(this.wiring.sim.now);
    this.scheduleNext();
  }

  /** A new message, created now; `scheduled` is the tick it answers (a recurring producer's), else now. */
  private createMessage(scheduled: number): void {
    const { sim, messages, observer } = this.wiring;
    const now = sim.now;
    const { index, pickKey, sampleSize, isPoison } = this.options;
    const id = messages.create(now, index, pickKey(), Math.round(sampleSize()), isPoison());
    if (this.options.pickPriority) messages.setPriority(id, this.options.pickPriority());
    if (this.options.pickRoutingKey) messages.setRoutingKey(id, this.options.pickRoutingKey());
    this.created++;
    this.options.ticks?.published(scheduled, now);
    observer.published(id, now);
    // With writes, the message is the event of a committed state change: they decide when it is published.
    // A request goes out when the requester has a slot for it, and again on each timeout it retries.
    if (this.requests !== null) this.requests.created(id);
    else if (this.writes === null) this.publishWhenPermitted(id, now);
    else this.writes.commit(id);
  }

  /** A recurring producer publishes the ticks it missed while down, as its policy says (after any resends). */
  private publishMissedTicks(): void {
    const ticks = this.options.ticks;
    if (ticks === undefined) return;
    for (const scheduled of ticks.dueAtRestart()) {
      if (this.created >= this.options.limit || scheduled >= this.options.stopAt) break;
      this.createMessage(scheduled);
    }
  }

  /** With a rate limit, the message waits for its permit (Guava's acquire() before send()); else it goes now. */
  private publishWhenPermitted(message: number, now: number): void {
    const limit = this.wiring.publishLimit;
    const wait = limit === null ? 0 : limit.reserve(message, now);
    if (wait === 0) {
      this.enqueue(message);
      return;
    }
    this.awaitingPermit.set(message, this.wiring.sim.schedule(wait, this.onPermit, message));
    this.permitsDue.set(message, (this.permitsDue.get(message) ?? 0) + 1);
    limit!.waitingChanged(1);
  }

  /** The application sends the message: behind any it holds already, or now if the gate and the client let it. */
  private enqueue(message: number): void {
    if (this.backlog.length > 0 || !this.dispatch(message)) this.backlog.push(message);
    this.updateBlocking();
  }

  /** A crash: messages waiting for a permit were never sent; they join what the crash left unknown. */
  private dropPermits(): void {
    if (this.awaitingPermit.size === 0) return;
    for (const [message, timer] of this.awaitingPermit) {
      this.wiring.sim.cancel(timer);
      countDown(this.permitsDue, message);
      this.unknownSinceCrash.push(message);
    }
    this.wiring.publishLimit!.waitingChanged(-this.awaitingPermit.size);
    this.awaitingPermit.clear();
  }

  private scheduleNext(): void {
    if (this.created >= this.options.limit) return;
    const next = this.options.arrivals.next();
    if (next < this.options.stopAt) this.wiring.sim.at(next, this.onArrival);
  }

  private flushBacklog(): void {
    if (!this.flushing.enter()) return;
    while (this.up && this.backlog.length > 0 && this.dispatch(this.backlog.peek())) this.backlog.shift();
    this.flushing.leave();
    this.updateBlocking();
  }

  /** Sends a message now if the global gate and the client let it go; false if it must wait. */
  private dispatch(message: number): boolean {
    this.refusedByClient = false;
    if (!this.wiring.gate.admit()) return false;
    if (this.client === null) {
      this.send(message);
      return true;
    }
    const taken = this.client.offer(message);
    this.refusedByClient = !taken;
    return taken;
  }

  /**
   * After the application tried to send: it is blocked while the client refuses the head of its backlog.
   * Each head waits maxBlock from the moment it became the blocked head (Kafka's max.block.ms per send()).
   */
  private updateBlocking(): void {
    if (this.client === null) return;
    const head = this.refusedByClient && this.backlog.length > 0 ? this.backlog.peek() : -1;
    if (head !== this.blockedHead) {
      if (this.blockTimer !== -1) this.wiring.sim.cancel(this.blockTimer);
      this.blockTimer = head === -1 ? -1 : this.wiring.sim.schedule(this.client.maxBlock, this.onBlockTimeout);
      this.blockedHead = head;
    }
    const blocked = head !== -1;
    if (blocked === this.blockedByClient) return;
    this.blockedByClient = blocked;
    this.wiring.client!.blocked.change(blocked);
  }

  /** The blocked send waited maxBlock: it fails, and the application goes on with its next message. */
  private blockTimedOut(): void {
    this.blockTimer = -1;
    this.blockedHead = -1;
    if (!this.up || this.backlog.length === 0) return;
    failSend(this.wiring.messages, this.wiring.observer, this.backlog.shift(), this.wiring.sim.now);
    this.refusedByClient = false;
    this.flushBacklog();
  }

  private send(message: number): void {
    // Wait for the confirm before sending it: at zero latency it arrives inside transmit().
    const timeout = this.options.publish.timeout;
    if (timeout !== null && this.up) {
      this.sendAttempts.set(message, (this.sendAttempts.get(message) ?? 0) + 1);
      this.awaitingTimer.set(message, this.wiring.sim.schedule(timeout, this.onTimeout, message));
    }
    this.transmit(message);
  }

  /** Puts a message on the wire to the broker, or into the batch being gathered. */
  private transmit(message: number): void {
    if (this.batcher !== null) {
      this.batcher.add(message);
      return;
    }
    const { gate, toBroker } = this.wiring;
    gate.inTransit++;
    if (this.onWire !== null) this.onWire.set(message, (this.onWire.get(message) ?? 0) + 1);
    const lostBefore = toBroker.lost;
    toBroker.send(this.wiring.publishHandler, message);
    // A copy the link lost is never answered: it is on its way no longer (kept, it would pin the watermark).
    if (toBroker.lost !== lostBefore) this.answered(message);
  }

  /** One request carries the batch: its messages reach the broker together, in order. */
  private transmitBatch(batch: number[]): void {
    const { gate, toBroker } = this.wiring;
    gate.inTransit += batch.length;
    // Each copy is on its way until the broker answers it, as a single publish is (see `onWire`).
    if (this.onWire !== null)
      for (const message of batch) this.onWire.set(message, (this.onWire.get(message) ?? 0) + 1);
    const lostBefore = toBroker.lost;
    const ticket = this.batchesOnTheWire.put(batch);
    toBroker.send(this.onBatchArrives, ticket);
    if (toBroker.lost === lostBefore) return;
    // The link lost the batch: it never arrives, so nothing will answer its copies or take its ticket.
    this.batchesOnTheWire.take(ticket);
    for (const message of batch) this.answered(message);
  }

  private settle(message: number, view: number): void {
    const timer = this.awaitingTimer.get(message);
    if (!this.up || timer === undefined) return;
    this.wiring.sim.cancel(timer);
    this.stopAwaiting(message);
    this.wiring.messages.producerView[this.wiring.messages.slot(message)] = view;
  }

  private stopAwaiting(message: number): void {
    this.awaitingTimer.delete(message);
    this.sendAttempts.delete(message);
  }

  private timedOut(message: number): void {
    const attempts = this.sendAttempts.get(message);
    if (attempts === undefined) return;
    if (attempts <= this.options.publish.retries) {
      this.wiring.sim.schedule(this.options.publish.backoff, this.onResend, message);
      return;
    }
    this.stopAwaiting(message);
    this.wiring.messages.producerView[this.wiring.messages.slot(message)] = ProducerView.unknown;
  }
}

/** One fewer of `key` in a map of counts; the key goes at none. */
function countDown(counts: IntMap, key: number): void {
  const left = counts.get(key)! - 1;
  if (left === 0) counts.delete(key);
  else counts.set(key, left);
}
