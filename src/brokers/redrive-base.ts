import type { MessageColumn, MessageTable } from "../model/messages.js";

/**
 * Per (message, group): the group's delivery count when a DLQ redrive moved the message back, so a
 * profile's delivery limit (maxReceiveCount, delivery-limit) counts receives from the move, as for the
 * new message a real move or shovel publishes. A message-table column per group, made at the group's first
 * move (so it retires with the messages' rows); read only once a count reaches its limit: a run without
 * redrives never touches it.
 */
export class RedriveBase {
  /** Per group: the delivery count at the last move (0: never moved; the count saturates at 65535, as this does). */
  private readonly base: (MessageColumn<Uint16Array> | undefined)[] = [];

  constructor(private readonly messages: MessageTable) {}

  /** The message was moved back now, after `deliveries` deliveries to the group. */
  moved(message: number, group: number, deliveries: number): void {
    this.base[group] ??= this.messages.column((length) => new Uint16Array(length));
    this.base[group].values[this.messages.slot(message)] = deliveries;
  }

  /** Deliveries to the group since the last move (all of them if it was never moved). */
  since(message: number, group: number, deliveries: number): number {
    const base = this.base[group];
    if (base === undefined) return deliveries;
    return deliveries - base.values[this.messages.slot(message)]!;
  }
}
