/**
 * Per (message, queue): returns that do not count toward a quorum queue's delivery limit (from 4.3, a
 * basic.nack with requeue or a consumer timeout). Sparse: only messages returned that way have an entry.
 */
export class ReturnCounts {
  private readonly counts = new Map<number, number>();

  constructor(private readonly queueCount: number) {}

  uncounted(message: number, queue: number): void {
    const key = this.key(message, queue);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  uncountedOf(message: number, queue: number): number {
    return this.counts.get(this.key(message, queue)) ?? 0;
  }

  forget(message: number, queue: number): void {
    this.counts.delete(this.key(message, queue));
  }

  private key(message: number, queue: number): number {
    return message * this.queueCount + queue;
  }
}
