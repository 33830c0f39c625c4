import type { RunObserver } from "./observer.js";

/**
 * Broker-driven flow control over all publishers (RabbitMQ's connection.blocked,
 * a full Kafka buffer). Before each send a producer asks `admit()`; the broker's
 * admission rule sees how many publishes are still on the wire, so a burst of
 * sends cannot overshoot the broker's limit just because the broker has not
 * received them yet. While refused, producers hold messages locally.
 */
export type AdmissionRule = (inTransit: number) => boolean;

export class PublisherGate {
  private closed = false;
  private readonly waiters: (() => void)[] = [];
  private rule: AdmissionRule | null = null;
  /** Publishes sent by producers that have not reached the broker yet. */
  inTransit = 0;

  constructor(
    private readonly observer: RunObserver,
    private readonly clock: { readonly now: number },
  ) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Installs the broker's rule for admitting one more publish. */
  setAdmissionRule(rule: AdmissionRule): void {
    this.rule = rule;
  }

  /** Whether a producer may send one more publish now; a refusal closes the gate. */
  admit(): boolean {
    if (this.closed) return false;
    if (this.rule !== null && !this.rule(this.inTransit)) {
      this.close();
      return false;
    }
    return true;
  }

  /** Registers a callback run, in registration order, each time the gate reopens. */
  onOpen(waiter: () => void): void {
    this.waiters.push(waiter);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.observer.publishingBlocked(true, this.clock.now);
  }

  /** Reopens the gate and lets waiting producers send, while the rule admits them. */
  open(): void {
    if (!this.closed) return;
    this.closed = false;
    this.observer.publishingBlocked(false, this.clock.now);
    for (const waiter of this.waiters) {
      if (this.closed) break;
      waiter();
    }
  }
}
