import type { Simulation } from "../engine/simulation.js";
import type { Sampler } from "../random/distributions.js";
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
  /** Committed events waiting for the commit's round trip, in commit order → their timer. */
  private readonly awaitingCommit = new Map<number, number>();
  private readonly onCommitted = (message: number): void => {
    this.awaitingCommit.delete(message);
    const { sim, messages, publish } = this.host;
    this.figures.published++;
    changeBacklog(this.figures, -1, sim.now);
    this.figures.lag.record(sim.now - messages.intendedAt[message]!);
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
    for (const [message, timer] of this.awaitingCommit) {
      sim.cancel(timer);
      messages.producerView[message] = ProducerView.unknown;
    }
    this.figures.unpublished += this.awaitingCommit.size;
    changeBacklog(this.figures, -this.awaitingCommit.size, sim.now);
    this.awaitingCommit.clear();
  }

  restart(): void {}
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
  /** Rows published before and handed back (crash, nack, timeout): a later publish may be a duplicate. */
  private readonly sentBefore = new Set<number>();
  /** The batch being published: row → confirmed (1) or not yet / nacked (0). */
  private batch = new Map<number, number>();
  private unsettled = 0;
  private timer = -1;
  private readonly onPoll = (): void => this.poll();
  private readonly onConfirmTimeout = (): void => this.batchSettled();
  private readonly onMarked = (): void => this.marked();

  constructor(
    private readonly host: WritesHost,
    private readonly spec: OutboxRelaySpec,
    private readonly figures: WritesFigures,
  ) {}

  start(): void {
    this.timer = this.host.sim.schedule(this.spec.pollInterval, this.onPoll);
  }

  commit(message: number): void {
    this.figures.committed++;
    this.rows.push(message);
    changeBacklog(this.figures, 1, this.host.sim.now);
    // A relay that stopped on an empty outbox (committing had ended) polls again for a late commit: a
    // stage's, whose inputs may still arrive while the run drains. A producer commits nothing by then.
    if (this.up && this.timer === -1 && this.phase === RelayPhase.idle)
      this.timer = this.host.sim.schedule(this.spec.pollInterval, this.onPoll);
  }

  confirmed(message: number): void {
    if (this.phase !== RelayPhase.confirming || this.batch.get(message) !== 0) return;
    this.batch.set(message, 1);
    this.host.messages.producerView[message] = ProducerView.confirmed;
    this.settledOne();
  }

  nacked(message: number): void {
    if (this.phase !== RelayPhase.confirming || this.batch.get(message) !== 0) return;
    // The row stays unsent; -1 tells it apart from one still waiting, so a second answer is ignored.
    this.batch.set(message, -1);
    this.settledOne();
  }

  /** The relay's memory goes; its rows do not: the batch goes back to the front of the outbox, unsent. */
  crash(): void {
    this.up = false;
    this.host.sim.cancel(this.timer);
    this.timer = -1;
    this.handBack(() => true);
    this.phase = RelayPhase.idle;
  }

  /** A restarted relay polls at once. */
  restart(): void {
    this.up = true;
    this.timer = this.host.sim.schedule(0, this.onPoll);
  }

  private poll(): void {
    this.timer = -1;
    if (!this.up) return;
    const { sim, messages, publish } = this.host;
    const claimed: number[] = [];
    while (claimed.length < this.spec.batchSize && this.rows.length > 0) claimed.push(this.rows.shift());
    if (claimed.length === 0) {
      // Polling on would keep the run from draining; a restart polls again.
      if (!this.host.committingEnded()) this.timer = sim.schedule(this.spec.pollInterval, this.onPoll);
      return;
    }
    this.batch = new Map(claimed.map((row) => [row, 0]));
    this.unsettled = claimed.length;
    this.phase = RelayPhase.confirming;
    this.timer = sim.schedule(this.spec.confirmTimeout, this.onConfirmTimeout);
    for (const row of claimed) {
      if (!this.sentBefore.delete(row)) {
        this.figures.published++;
        this.figures.lag.record(sim.now - messages.intendedAt[row]!);
      } else if (messages.outcome[row] === PublishOutcome.accepted) this.figures.relayDuplicates++;
      messages.producerView[row] = ProducerView.waiting;
      // At zero latency the confirm arrives inside publish(): the batch is set up before the first one goes.
      publish(row);
    }
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
    const full = this.batch.size === this.spec.batchSize;
    let sent = 0;
    for (const state of this.batch.values()) if (state === 1) sent++;
    changeBacklog(this.figures, -sent, this.host.sim.now);
    this.handBack((state) => state !== 1);
    this.phase = RelayPhase.idle;
    // A full batch says more rows may be waiting: poll again at once, as polling publishers do.
    this.timer = this.host.sim.schedule(full ? 0 : this.spec.pollInterval, this.onPoll);
  }

  /** Puts the batch's rows that `unsent` picks back in front of the outbox, oldest first. */
  private handBack(unsent: (state: number) => boolean): void {
    const back = [...this.batch].filter(([, state]) => unsent(state)).map(([row]) => row);
    for (let i = back.length - 1; i >= 0; i--) {
      this.rows.unshift(back[i]!);
      this.sentBefore.add(back[i]!);
    }
    this.batch = new Map();
    this.unsettled = 0;
  }
}
