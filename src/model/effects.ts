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
  /** Per consumer: staged messages with the incarnation (consumer life) that processed each. */
  private readonly staged: { message: number[]; incarnation: number[] }[];

  constructor(
    private readonly messages: MessageTable,
    private readonly observer: RunObserver,
    private readonly groupOf: readonly number[],
    groups: number,
  ) {
    this.tentative = new Uint8Array(groups);
    this.staged = groupOf.map(() => ({ message: [], incarnation: [] }));
  }

  /** The lowest message id with a staged effect, or +Infinity when none is staged (for retirement). */
  oldestHeld(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const staged of this.staged) for (const message of staged.message) if (message < oldest) oldest = message;
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
    staged.message.push(message);
    staged.incarnation.push(incarnation);
  }

  /** Applies, in processing order, every effect the consumer staged in life `incarnation`; returns how many. */
  commit(consumer: number, incarnation: number, now: number): number {
    const group = this.groupOf[consumer]!;
    let applied = 0;
    this.take(consumer, incarnation, (message) => {
      this.applyNow(message, group, consumer, now);
      applied++;
    });
    return applied;
  }

  /** Throws away every effect the consumer staged in life `incarnation` (an aborted transaction); returns how many. */
  discard(consumer: number, incarnation: number): number {
    let discarded = 0;
    this.take(consumer, incarnation, () => {
      discarded++;
    });
    return discarded;
  }

  private take(consumer: number, incarnation: number, visit: (message: number) => void): void {
    const staged = this.staged[consumer]!;
    let kept = 0;
    for (let i = 0; i < staged.message.length; i++) {
      if (staged.incarnation[i] === incarnation) visit(staged.message[i]!);
      else {
        staged.message[kept] = staged.message[i]!;
        staged.incarnation[kept] = staged.incarnation[i]!;
        kept++;
      }
    }
    staged.message.length = kept;
    staged.incarnation.length = kept;
  }

  private applyNow(message: number, group: number, consumer: number, now: number): void {
    this.observer.sideEffect(message, group, consumer, this.messages.recordEffect(message, group), now);
  }
}
