import type { MessageTable } from "./messages.js";
import type { RunObserver } from "./observer.js";

/**
 * Where consumers apply side effects. By default an effect is applied the
 * moment processing ends. A broker profile can instead make a group's effects
 * tentative (Kafka's consume-transform-produce transactions, where the effect
 * is a write to an output topic): they are staged per consumer life and
 * applied only when the broker commits them, or thrown away when it aborts.
 * Checks and metrics see an effect only once it is applied, so
 * `sideEffects: exactly-once` judges what was committed.
 */
export class EffectLedger {
  /** Per group: 1 while the group's effects wait for a commit. */
  private readonly tentative: Uint8Array;
  /**
   * Per consumer: staged messages with the incarnation (consumer life) that processed each, the first `count` of
   * two arrays that only grow (arrays emptied by `length = 0` gave their storage up, and each commit made a closure).
   */
  private readonly staged: { message: number[]; incarnation: number[]; count: number }[];

  constructor(
    private readonly messages: MessageTable,
    private readonly observer: RunObserver,
    private readonly groupOf: readonly number[],
    groups: number,
  ) {
    this.tentative = new Uint8Array(groups);
    this.staged = groupOf.map(() => ({ message: [], incarnation: [], count: 0 }));
  }

  /** The lowest message id with a staged effect, or +Infinity when none is staged (for retirement). */
  oldestHeld(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const staged of this.staged)
      for (let i = 0; i < staged.count; i++) if (staged.message[i]! < oldest) oldest = staged.message[i]!;
    return oldest;
  }

  /** From now on `group`'s effects are staged until the broker commits them. */
  holdUntilCommit(group: number): void {
    this.tentative[group] = 1;
  }

  /** A consumer processed `message` in its life `incarnation`: applies the effect, or stages it. */
  apply(message: number, consumer: number, incarnation: number, now: number): void {
    const group = this.groupOf[consumer]!;
    if (this.tentative[group] === 0) {
      this.applyNow(message, group, consumer, now);
      return;
    }
    const staged = this.staged[consumer]!;
    staged.message[staged.count] = message;
    staged.incarnation[staged.count] = incarnation;
    staged.count++;
  }

  /** Applies, in processing order, every effect the consumer staged in life `incarnation`; returns how many. */
  commit(consumer: number, incarnation: number, now: number): number {
    return this.take(consumer, incarnation, true, now);
  }

  /** Throws away every effect the consumer staged in life `incarnation` (an aborted transaction); returns how many. */
  discard(consumer: number, incarnation: number): number {
    return this.take(consumer, incarnation, false, 0);
  }

  /** Takes the consumer's effects staged in life `incarnation` out, applying them if `apply`; returns how many. */
  private take(consumer: number, incarnation: number, apply: boolean, now: number): number {
    const staged = this.staged[consumer]!;
    const group = this.groupOf[consumer]!;
    let kept = 0;
    let taken = 0;
    for (let i = 0; i < staged.count; i++) {
      if (staged.incarnation[i] === incarnation) {
        taken++;
        if (apply) this.applyNow(staged.message[i]!, group, consumer, now);
      } else {
        staged.message[kept] = staged.message[i]!;
        staged.incarnation[kept] = staged.incarnation[i]!;
        kept++;
      }
    }
    staged.count = kept;
    return taken;
  }

  private applyNow(message: number, group: number, consumer: number, now: number): void {
    this.observer.sideEffect(message, group, consumer, this.messages.recordEffect(message, group), now);
  }
}
