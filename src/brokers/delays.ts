import type { Simulation } from "../engine/simulation.js";
import type { Broker, BrokerFailure, ConnectionLoss } from "./broker.js";
import type { DelayFacts } from "./profile.js";

/** What the run tells the delay stage about each publish that reaches the broker. */
export interface DelayedIntakeOptions {
  sim: Simulation;
  /** The profile's mechanism (never `none`: validation refused such a scenario). */
  mechanism: Exclude<DelayFacts["mechanism"], "none">;
  groupCount: number;
  /** Whether a message is for a group: a pipeline addresses each message to some groups before the broker sees it. */
  addressedTo(message: number, group: number): boolean;
  /**
   * When the message may be delivered (µs, absolute), drawn as it reaches the broker; `now` or earlier
   * for none. `lane` is the delay queue it waits in (head-of-line): one per producer.
   */
  dueOf(message: number): { due: number; lane: number };
  /** Confirms the publish to its producer: the broker stored it, the delay is the broker's business now. */
  confirm(message: number): void;
}

/** What the delay stage did, for summary.json's `delays`. */
export interface DelayFigures {
  /** Publishes held back (each resend counts again). */
  held: number;
  /** Held messages that left after their own due time: behind a longer delay at the head (RabbitMQ). */
  blockedByHead: number;
  /** Time those spent past their due time, in all and at most (µs). */
  blockedMicrosTotal: number;
  blockedMicrosMax: number;
}

/** Delayed messages in summary.json (docs/output.md, `delays`), also what expect.delays bounds. */
export interface DelaySummary {
  held: number;
  /** Held past their own due time behind a longer delay at the head of the delay queue (RabbitMQ). */
  blockedByHead: number;
  blockedMsMean: number;
  blockedMsMax: number;
}

export const delayFigureNames = [
  "held",
  "blockedByHead",
  "blockedMsMean",
  "blockedMsMax",
] as const satisfies readonly (keyof DelaySummary)[];

export function delaySummary(figures: DelayFigures): DelaySummary {
  return {
    held: figures.held,
    blockedByHead: figures.blockedByHead,
    blockedMsMean:
      figures.blockedByHead === 0 ? 0 : Math.round(figures.blockedMicrosTotal / figures.blockedByHead) / 1000,
    blockedMsMax: Math.round(figures.blockedMicrosMax) / 1000,
  };
}

/**
 * A broker's delayed delivery, in front of the profile: a delayed message is
 * stored at once (the producer's confirm comes now, as SendMessage or a
 * confirmed publish to the delay queue returns), and handed to the profile
 * when its delay ends, where it is queued like a fresh publish. With
 * `head-of-line`, a message also waits for the one ahead of it in its delay
 * queue: RabbitMQ dead-letters an expired message only from the queue's head.
 * Held messages survive a broker crash (SQS stores them durably; a durable
 * delay queue keeps persistent messages); one that falls due while the broker
 * is down is handed over at its restart, in due order.
 */
export class DelayedIntake implements Broker {
  /** Per lane: when the last message handed to it leaves (head-of-line only). */
  private readonly laneFree: number[] = [];
  /** Messages held, by the event that releases each (insertion order = release order for ties). */
  private readonly held = new Map<number, number>();
  /** While the broker is down: messages that fell due, in the order they did. */
  private readonly dueWhileDown: number[] = [];
  private up = true;
  readonly delayFigures: DelayFigures = { held: 0, blockedByHead: 0, blockedMicrosTotal: 0, blockedMicrosMax: 0 };
  private readonly release = (message: number): void => {
    this.held.delete(message);
    if (this.up) this.inner.publish(message);
    else this.dueWhileDown.push(message);
  };

  /** The profile's own figures, if it states any (left out otherwise, as without the delay stage). */
  readonly figures?: () => Record<string, number>;
  /**
   * The profile's DLQ redrive, if it has one. A dead-lettered message had already left the delay stage, so
   * the redrive is the profile's alone; without this the stage hid the profile's redrive from the run.
   */
  readonly redrive?: (message: number, group: number) => boolean;
  /**
   * The profile's `releaseRead`, which the stage must not hide (SQS, Redis and BullMQ read ids outside what they
   * hold). What the stage holds is visited by `forEachHeld`; a copy it released while another is still held is
   * on its way to the profile until the profile answers it (the hold is no answer: `Bookkeeper.confirmHeld`).
   */
  readonly releaseRead = (): number => this.inner.releaseRead?.() ?? Number.POSITIVE_INFINITY;

  constructor(
    private readonly inner: Broker,
    private readonly options: DelayedIntakeOptions,
  ) {
    if (inner.figures !== undefined) this.figures = () => inner.figures!();
    if (inner.redrive !== undefined) this.redrive = (message, group) => inner.redrive!(message, group);
  }

  publish(message: number): void {
    const { sim, dueOf, mechanism } = this.options;
    const { due, lane } = dueOf(message);
    const own = Math.max(due, sim.now);
    let leaves = own;
    if (mechanism === "head-of-line") {
      leaves = Math.max(leaves, this.laneFree[lane] ?? 0);
      this.laneFree[lane] = leaves;
    }
    if (leaves <= sim.now) {
      this.inner.publish(message);
      return;
    }
    if (!this.up) {
      // SendMessage fails while the broker is down: the profile refuses it as it refuses any publish then.
      this.inner.publish(message);
      return;
    }
    this.held.set(message, sim.at(leaves, this.release, message));
    this.count(leaves - own);
    this.options.confirm(message);
  }

  private count(blocked: number): void {
    const figures = this.delayFigures;
    figures.held++;
    if (blocked === 0) return;
    figures.blockedByHead++;
    figures.blockedMicrosTotal += blocked;
    figures.blockedMicrosMax = Math.max(figures.blockedMicrosMax, blocked);
  }

  crash(failure: BrokerFailure, node?: number): void {
    if (node === undefined) this.up = false;
    this.inner.crash(failure, node);
  }

  restart(node?: number): void {
    this.inner.restart(node);
    if (node !== undefined || this.up) return;
    this.up = true;
    for (const message of this.dueWhileDown.splice(0)) this.inner.publish(message);
  }

  forEachHeld(visit: (message: number, group: number) => void): void {
    this.inner.forEachHeld(visit);
    const { groupCount, addressedTo } = this.options;
    const waiting = [...this.held.keys(), ...this.dueWhileDown].sort((a, b) => a - b);
    for (const message of waiting) {
      // Held for the groups it will be queued for, as the profile would hold it: not those a pipeline left out.
      for (let group = 0; group < groupCount; group++) if (addressedTo(message, group)) visit(message, group);
    }
  }

  ack(delivery: number): void {
    this.inner.ack(delivery);
  }
  nack(delivery: number): void {
    this.inner.nack(delivery);
  }
  retryLater(delivery: number, delayMicros: number): void {
    if (this.inner.retryLater === undefined) throw new Error("invariant: retryLater on a profile without one");
    this.inner.retryLater(delivery, delayMicros);
  }
  heartbeat(delivery: number): void {
    this.inner.heartbeat?.(delivery);
  }
  consumerDown(consumer: number, loss: ConnectionLoss): void {
    this.inner.consumerDown(consumer, loss);
  }
  consumerStopping(consumer: number): void {
    this.inner.consumerStopping(consumer);
  }
  consumerClosed(consumer: number): void {
    this.inner.consumerClosed(consumer);
  }
  consumerUp(consumer: number): void {
    this.inner.consumerUp(consumer);
  }
  producerDown(producer: number): void {
    this.inner.producerDown?.(producer);
  }
  producerUp(producer: number): void {
    this.inner.producerUp?.(producer);
  }
}
