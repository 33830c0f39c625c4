import type { Example } from "../metrics/witness.js";
import { Fate, type MessageTable, ProducerView, PublishOutcome } from "../model/messages.js";

/** The end-of-run classification of (message, group) obligations, summed over the run. */
export interface SettledCounts {
  /** (message, group) pairs the broker confirmed (or the producer took as sent, acks=0) never consumed, dead-lettered or held. */
  lost: number;
  /** (message, group) pairs consumed without the message ever being accepted. */
  unexpected: number;
  /** (message, group) pairs still queued, in flight or unsent when the drain timeout ran out. */
  pending: number;
  /** (message, group) pairs consumed although the producer never learned its publish's outcome. */
  recovered: number;
  /** (message, group) pairs never consumed whose publish outcome the producer never learned (not lost: never promised). */
  unknown: number;
  /** (message, group) pairs the exchange never addressed to the group (routed to other groups' queues only). */
  notRouted: number;
}

/** What the first lost message's counter-example shows, read from its row while the row is still there. */
interface LostRow {
  message: number;
  group: number;
  key: number;
  producer: number;
  intendedAt: number;
  acceptedAt: number;
  deliveries: number;
  drop: { reason: string; at: number } | undefined;
}

/**
 * Classifies every (message, group) obligation: once for a message retired during the run (nothing can
 * change its fate any more, and the broker no longer holds it) and, at the end, for every message still in
 * the table. Each pair is classified exactly as the end-of-run accounting would have, so the counts and
 * the first lost message are the same whether or not rows were retired on the way.
 */
export class Settlement {
  readonly counts: SettledCounts = { lost: 0, unexpected: 0, pending: 0, recovered: 0, unknown: 0, notRouted: 0 };
  /** Per group: its lost and pending pairs (pipeline stages report them, docs/patterns.md "Flows"). */
  readonly lostByGroup: number[];
  readonly pendingByGroup: number[];
  private firstLost: LostRow | null = null;

  constructor(
    private readonly messages: MessageTable,
    private readonly groups: number,
    private readonly dropOf: (message: number, group: number) => { reason: string; at: number } | undefined,
  ) {
    this.lostByGroup = Array<number>(groups).fill(0);
    this.pendingByGroup = Array<number>(groups).fill(0);
  }

  /**
   * Classifies every pair of messages `from` up to `to` (exclusive): as they are retired (`held` absent:
   * the broker holds none of them) or at the end of the run (`held[group][message - from]` is 1 when the
   * broker still holds the message for the group). The same classification as `settle` for each pair, but
   * a pair that counts for nothing (consumed, its publish accepted and known to its producer: nearly every
   * pair of a run, whether held or not) is passed over in the loop without a call, since this runs for every
   * message of a run. Groups in turn, each in id order: the first lost message is still the lowest id, then
   * the lowest group (see `lost`).
   */
  settleRange(from: number, to: number, held?: readonly Uint8Array[]): void {
    const { messages } = this;
    if (from < messages.base) {
      this.settleStraggler(from, held);
      return;
    }
    const { outcome, producerView, mask } = messages;
    for (let group = 0; group < this.groups; group++) {
      const consumed = messages.consumedBy[group]!;
      const heldByGroup = held?.[group];
      for (let message = from; message < to; message++) {
        const row = message & mask;
        const countsForNothing =
          consumed[row]! > 0 && outcome[row] === PublishOutcome.accepted && producerView[row] !== ProducerView.unknown;
        if (!countsForNothing) this.settle(message, group, heldByGroup?.[message - from] === 1);
      }
    }
  }

  /**
   * Classifies every pair of straggler `message` (below the table's base: its row is a spare one): as it is
   * retired, or at the end of the run (`held[group][0]` is 1 when the broker still holds it for the group).
   */
  private settleStraggler(message: number, held?: readonly Uint8Array[]): void {
    for (let group = 0; group < this.groups; group++) this.settle(message, group, held?.[group]?.[0] === 1);
  }

  /** Classifies one pair; `held` when the broker still holds the message for the group. */
  settle(message: number, group: number, held: boolean): void {
    const { messages, counts } = this;
    const row = messages.slot(message);
    const outcome = messages.outcome[row]!;
    const unknownToProducer = messages.producerView[row] === ProducerView.unknown;
    if (messages.consumedBy[group]![row]! > 0) {
      if (outcome !== PublishOutcome.accepted) counts.unexpected++;
      if (unknownToProducer) counts.recovered++;
    } else if (outcome === PublishOutcome.accepted) {
      // Dead-lettered settles the pair even if the broker still holds a copy: an application that dead-letters
      // publishes to its dead-letter queue, then acks or commits past the record, and that can be pending yet
      // (Kafka's auto-commit comes later; an SQS delete can fail). A copy delivered again is a duplicate.
      const fate = messages.fate[group]![row];
      if (fate === Fate.deadLettered) return;
      if (held) this.pending(group);
      else if (fate === Fate.notRouted) counts.notRouted++;
      else if (unknownToProducer) counts.unknown++;
      else this.lost(message, group);
    } else if (outcome === PublishOutcome.none) {
      // Unsent, on the wire or in the broker's intake at the end; or gone with a crashed or giving-up producer.
      // A pipeline addresses a message before it reaches the broker: the groups it is not for owe nothing.
      if (messages.fate[group]![row] === Fate.notRouted) counts.notRouted++;
      else if (unknownToProducer) counts.unknown++;
      // The producer counted it as sent without an answer (Kafka acks=0), but the broker never took it. A
      // broker's delay stage confirms what it holds before the profile takes it: held, that is pending.
      else if (messages.producerView[row] === ProducerView.confirmed && !held) this.lost(message, group);
      else this.pending(group);
    }
  }

  /** The first lost message (lowest id, then lowest group) as a counter-example; `now` is the run's end. */
  firstLostExample(now: number): Example | null {
    const lost = this.firstLost;
    if (lost === null) return null;
    return {
      message: lost.message,
      group: lost.group,
      key: lost.key,
      producer: lost.producer,
      events: [
        { what: "published", consumer: -1, at: lost.intendedAt },
        Number.isNaN(lost.acceptedAt)
          ? { what: "sent without waiting for an answer, never taken by the broker", consumer: -1, at: now }
          : { what: "confirmed by the broker", consumer: -1, at: lost.acceptedAt },
        ...(lost.drop ? [{ what: `dropped by the broker: ${lost.drop.reason}`, consumer: -1, at: lost.drop.at }] : []),
        { what: `delivered ${lost.deliveries} times, never consumed`, consumer: -1, at: now },
      ],
    };
  }

  private pending(group: number): void {
    this.counts.pending++;
    this.pendingByGroup[group]!++;
  }

  private lost(message: number, group: number): void {
    this.counts.lost++;
    this.lostByGroup[group]!++;
    if (this.firstLost !== null && message >= this.firstLost.message) return;
    const { messages } = this;
    const row = messages.slot(message);
    this.firstLost = {
      message,
      group,
      key: messages.key[row]!,
      producer: messages.producer[row]!,
      intendedAt: messages.intendedAt[row]!,
      acceptedAt: messages.acceptedAt[row]!,
      deliveries: messages.deliveryCount[group]![row]!,
      drop: this.dropOf(message, group),
    };
  }
}
