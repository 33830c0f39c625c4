import type { Simulation } from "../engine/simulation.js";
import type { Sampler } from "../random/distributions.js";
import { IntMap } from "./int-map.js";
import { IntRing } from "./int-ring.js";
import { type MessageTable, ProducerView, PublishOutcome } from "./messages.js";

/**
 * How an application that changes its own database gets the event about that change to the broker
 * (docs/patterns.md#outbox). Its component (a producer instance, or a pipeline stage instance with `writes:`) calls
 * `commit` when the local transaction is durable; the writes publish through `publish` and hear the
 * broker's answers through `confirmed` and `nacked`. They live in the component's process: its
 * crash is theirs.
 */
export interface CommittedWrites {
  /** Whether the broker's answers must travel back to the component (the relay waits for them). */
  readonly wantsConfirms: boolean;
  /** The component starts: a relay begins polling. */
  start(): void;
  /** `message` was committed now, with the state change it is about. */
  commit(message: number): void;
  confirmed(message: number): void;
  nacked(message: number): void;
  /** The process died: what it held in memory is gone; committed outbox rows are not. */
  crash(): void;
  restart(): void;
  /** The lowest message id they may still read or change (committed, not yet published or marked sent), or +Infinity. */
  oldestHeld(): number;
}

/** What the writes of one component need: the clock, the table and a way to publish. */
export interface WritesHost {
  sim: Simulation;
  messages: MessageTable;
  /** Hands `message` to the component's publish path (client, gate, rate limit), now. */
  publish: (message: number) => void;
  /** The commit's round trip: from the transaction being durable to the application going on. */
  commitLatency: Sampler;
  /** Whether the component will commit nothing more (its producer stopped creating): an empty outbox then stops the relay. */
  committingEnded: () => boolean;
}

/** The figures of one producer's (or stage's) writes, shared by its instances. */
export interface WritesFigures {
  mode: "dual-write" | "outbox";
  /** Local transactions committed with an event to publish. */
  committed: number;
  /** Committed events sent to the broker at least once. */
  published: number;
  /** Dual write: committed events whose publish a crash prevented; never published. Always 0 with an outbox. */
  unpublished: number;
  /** Outbox: rows the relay published again although the broker had already accepted them. */
  relayDuplicates: number;
  /** Committed events not yet published (dual write) or outbox rows not yet marked sent, now and at most. */
  backlog: number;
  backlogPeak: number;
  /** Hears commit → first publish, in microseconds. */
  lag: { record(micros: number): void };
  /** Hears the backlog each time it changes (for the time series), if a series is recorded. */
  backlogChanged?: (backlog: number, now: number) => void;
}

export interface OutboxRelaySpec {
  /** µs between polls that found less than a full batch. */
  pollInterval: number;
  batchSize: number;
  /** µs the relay waits for a batch's confirms before leaving the unconfirmed rows for a later poll. */
  confirmTimeout: number;
}

function changeBacklog(figures: WritesFigures, by: number, now: number): void {
  figures.backlog += by;
  if (figures.backlog > figures.backlogPeak) figures.backlogPeak = figures.backlog;
  figures.backlogChanged?.(figures.backlog, now);
}

/**
 * Dual write: commit, then publish. The application publishes when it hears its commit succeeded;
 * a crash in between loses the event for good (the state changed, nobody will ever hear of it).
 */
export class DualWrite implements CommittedWrites {
  readonly wantsConfirms = false;
  /** Committed events waiting for the commit's round trip → their timer (an IntMap: a Map allocated per event). */
  private readonly awaitingCommit = new IntMap();
  private readonly onCommitted = (message: number): void => {
    this.awaitingCommit.delete(message);
    const { sim, messages, publish } = this.host;
    this.figures.published++;
    changeBacklog(this.figures, -1, sim.now);
    this.figures.lag.record(sim.now - messages.intendedAt[messages.slot(message)]!);
    publish(message);
  };

  constructor(
    private readonly host: WritesHost,
    private readonly figures: WritesFigures,
  ) {}

  start(): void {}

  commit(message: number): void {
    this.figures.committed++;
    changeBacklog(this.figures, 1, this.host.sim.now);
    const delay = Math.round(this.host.commitLatency());
    this.awaitingCommit.set(message, this.host.sim.schedule(delay, this.onCommitted, message));
  }

  confirmed(_message: number): void {}
  nacked(_message: number): void {}

  crash(): void {
    const { sim, messages } = this.host;
    for (const message of this.awaitingCommit.keys()) {
      sim.cancel(this.awaitingCommit.get(message)!);
      messages.producerView[messages.slot(message)] = ProducerView.unknown;
      messages.markNeverSent(message);
    }
    this.figures.unpublished += this.awaitingCommit.size;
    changeBacklog(this.figures, -this.awaitingCommit.size, sim.now);
    this.awaitingCommit.clear();
  }

  restart(): void {}

  /** Nothing of its own: an event waiting for its commit was never published, and the table's first unanswered publish holds it. */
  oldestHeld(): number {
    return Number.POSITIVE_INFINITY;
  }
}

/** What the relay is doing: waiting for its next poll, for a batch's confirms, or for its mark-sent commit. */
const RelayPhase = { idle: 0, confirming: 1, marking: 2 } as const;

/**
 * Transactional outbox with a polling relay: the event is a row committed with the state change,
 * so it cannot be lost. The relay polls the oldest unsent rows (at most a batch), publishes them,
 * waits for the confirms, then marks the confirmed rows sent in a transaction of its own. A crash
 * before that mark is durable leaves the rows unsent: the restarted relay publishes them again
 * (at-least-once, duplicates for the consumers to absorb).
 */
export class OutboxRelay implements CommittedWrites {
  readonly wantsConfirms = true;
  private up = true;
  private phase: number = RelayPhase.idle;
  /** Rows committed, not claimed by the current batch and not marked sent, oldest first. */
  private readonly rows = new IntRing();
  /**
   * Whether `rows` is in ascending id order, so its head is its oldest (`oldestHeld`). A producer commits its
   * messages as it creates them, and a batch goes back to the front it was claimed from; a stage may commit an
   * onward message older than one committed before, and then `oldestHeld` scans the rows.
   */
  private rowsAscending = true;
  /** Rows published before and handed back (crash, nack, timeout): a later publish may be a duplicate. */
  private readonly sentBefore = new Set<number>();
  /**
   * The batch being published, in claim order: its rows, and each row's state: confirmed (1), not yet (0) or
   * nacked (-1). Arrays of `batchSize` made once, and a row → index map, where a Map and two arrays per poll
   * allocated per published row.
   */
  private readonly batchRows: Int32Array;
  private readonly batchStates: Int8Array;
  private readonly batchIndex = new IntMap();
  private batchLength = 0;
  private unsettled = 0;
  private timer = -1;
  private readonly onPoll = (): void => this.poll();
  private readonly onConfirmTimeout = (): void => this.batchSettled();
  private readonly onMarked = (): void => this.marked();

  constructor(
    private readonly host: WritesHost,
    private readonly spec: OutboxRelaySpec,
    private readonly figures: WritesFigures,
  ) {
    this.batchRows = new Int32Array(spec.batchSize);
    this.batchStates = new Int8Array(spec.batchSize);
  }

  start(): void {
    this.timer = this.host.sim.schedule(this.spec.pollInterval, this.onPoll);
  }

  commit(message: number): void {
    this.figures.committed++;
    if (this.rows.length > 0 && message < this.rows.at(this.rows.length - 1)) this.rowsAscending = false;
    this.rows.push(message);
    changeBacklog(this.figures, 1, this.host.sim.now);
    // A relay that stopped on an empty outbox (committing had ended) polls again for a late commit: a
    // stage's, whose inputs may still arrive while the run drains. A producer commits nothing by then.
    if (this.up && this.timer === -1 && this.phase === RelayPhase.idle)
      this.timer = this.host.sim.schedule(this.spec.pollInterval, this.onPoll);
  }

  confirmed(message: number): void {
    const index = this.waitingIndexOf(message);
    if (index === -1) return;
    this.batchStates[index] = 1;
    this.host.messages.producerView[this.host.messages.slot(message)] = ProducerView.confirmed;
    this.settledOne();
  }

  nacked(message: number): void {
    const index = this.waitingIndexOf(message);
    if (index === -1) return;
    // The row stays unsent; -1 tells it apart from one still waiting, so a second answer is ignored.
    this.batchStates[index] = -1;
    this.settledOne();
  }

  /** Where `message` is in the batch while the relay waits for its answer, or -1 (no batch, another row, answered). */
  private waitingIndexOf(message: number): number {
    if (this.phase !== RelayPhase.confirming) return -1;
    const index = this.batchIndex.get(message);
    return index === undefined || this.batchStates[index] !== 0 ? -1 : index;
  }

  /** The relay's memory goes; its rows do not: the batch goes back to the front of the outbox, unsent. */
  crash(): void {
    this.up = false;
    this.host.sim.cancel(this.timer);
    this.timer = -1;
    this.handBack(true);
    this.phase = RelayPhase.idle;
  }

  /**
   * A restarted relay polls at once. A restart of a relay that is up changes nothing: two crash faults can overlap
   * (the second finds the process down already), and the later restart would start a second poll cadence beside the
   * one running, whose poll could claim a new batch over one still waiting for its confirms or its mark.
   */
  restart(): void {
    if (this.up) return;
    this.up = true;
    this.timer = this.host.sim.schedule(0, this.onPoll);
  }

  /** Rows waiting in the outbox and the batch being published or marked: the relay reads each again. */
  oldestHeld(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (let index = 0; index < this.batchLength; index++) oldest = Math.min(oldest, this.batchRows[index]!);
    if (this.rows.length === 0) return oldest;
    if (this.rowsAscending) return Math.min(oldest, this.rows.peek());
    this.rows.forEach((row) => {
      if (row < oldest) oldest = row;
    });
    return oldest;
  }

  private poll(): void {
    this.timer = -1;
    if (!this.up) return;
    const { sim, messages, publish } = this.host;
    const claimed = this.claim();
    if (claimed === 0) {
      // Polling on would keep the run from draining; a restart polls again.
      if (!this.host.committingEnded()) this.timer = sim.schedule(this.spec.pollInterval, this.onPoll);
      return;
    }
    this.unsettled = claimed;
    this.phase = RelayPhase.confirming;
    this.timer = sim.schedule(this.spec.confirmTimeout, this.onConfirmTimeout);
    for (let index = 0; index < claimed; index++) {
      const row = this.batchRows[index]!;
      const slot = messages.slot(row);
      if (!this.sentBefore.delete(row)) {
        this.figures.published++;
        this.figures.lag.record(sim.now - messages.intendedAt[slot]!);
      } else if (messages.outcome[slot] === PublishOutcome.accepted) this.figures.relayDuplicates++;
      messages.producerView[slot] = ProducerView.waiting;
      // At zero latency the confirm arrives inside publish(): the batch is set up before the first one goes.
      publish(row);
    }
  }

  /**
   * Takes the oldest unsent rows (at most a batch) as the new batch, each waiting for its answer, and returns how
   * many; with none to take, the batch stays as it is (a poll of an empty outbox changes nothing).
   */
  private claim(): number {
    if (this.rows.length === 0) return 0;
    this.batchLength = 0;
    this.batchIndex.clear();
    while (this.batchLength < this.spec.batchSize && this.rows.length > 0) {
      const row = this.rows.shift();
      this.batchIndex.set(row, this.batchLength);
      this.batchRows[this.batchLength] = row;
      this.batchStates[this.batchLength] = 0;
      this.batchLength++;
    }
    return this.batchLength;
  }

  private settledOne(): void {
    this.unsettled--;
    if (this.unsettled === 0) this.batchSettled();
  }

  /** Every row confirmed or refused, or the wait is over: the relay commits the mark of the confirmed rows. */
  private batchSettled(): void {
    const { sim } = this.host;
    sim.cancel(this.timer);
    this.phase = RelayPhase.marking;
    this.timer = sim.schedule(Math.round(this.host.commitLatency()), this.onMarked);
  }

  /** The mark is durable: confirmed rows leave the outbox, the rest go back for the next poll. */
  private marked(): void {
    this.timer = -1;
    const full = this.batchLength === this.spec.batchSize;
    let sent = 0;
    for (let index = 0; index < this.batchLength; index++) if (this.batchStates[index] === 1) sent++;
    changeBacklog(this.figures, -sent, this.host.sim.now);
    this.handBack(false);
    this.phase = RelayPhase.idle;
    // A full batch says more rows may be waiting: poll again at once, as polling publishers do.
    this.timer = this.host.sim.schedule(full ? 0 : this.spec.pollInterval, this.onPoll);
  }

  /** Puts the batch's unconfirmed rows (every row, `confirmedToo`) back in front of the outbox, oldest first. */
  private handBack(confirmedToo: boolean): void {
    for (let index = this.batchLength - 1; index >= 0; index--) {
      if (!confirmedToo && this.batchStates[index] === 1) continue;
      this.rows.unshift(this.batchRows[index]!);
      this.sentBefore.add(this.batchRows[index]!);
    }
    this.batchLength = 0;
    this.batchIndex.clear();
    this.unsettled = 0;
  }
}
