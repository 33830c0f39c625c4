/**
 * Per (message, group): the group's delivery count when a DLQ redrive moved the message back, so a
 * profile's delivery limit (maxReceiveCount, delivery-limit) counts receives from the move, as for the
 * new message a real move or shovel publishes. Sparse, and read only once a count reaches its limit:
 * a run without redrives never touches it.
 */
export class RedriveBase {
  private readonly base = new Map<number, number>();

  constructor(private readonly groupCount: number) {}

  /** The message was moved back now, after `deliveries` deliveries to the group. */
  moved(message: number, group: number, deliveries: number): void {
    this.base.set(message * this.groupCount + group, deliveries);
  }

  /** Deliveries to the group since the last move (all of them if it was never moved). */
  since(message: number, group: number, deliveries: number): number {
    if (this.base.size === 0) return deliveries;
    return deliveries - (this.base.get(message * this.groupCount + group) ?? 0);
  }
}
