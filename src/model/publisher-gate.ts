import type { RunObserver } from "./observer.js";

/**
 * Broker-side flow control over all publishers (RabbitMQ's connection.blocked,
 * a full Kafka buffer): while closed, producers hold new messages locally.
 */
export class PublisherGate {
  private closed = false;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly observer: RunObserver) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Registers a callback run, in registration order, each time the gate reopens. */
  onOpen(waiter: () => void): void {
    this.waiters.push(waiter);
  }

  close(now: number): void {
    if (this.closed) return;
    this.closed = true;
    this.observer.publishingBlocked(true, now);
  }

  open(now: number): void {
    if (!this.closed) return;
    this.closed = false;
    this.observer.publishingBlocked(false, now);
    for (const waiter of this.waiters) {
      if (this.closed) break;
      waiter();
    }
  }
}
