import type { MessageColumn, MessageTable } from "../../model/messages.js";
import type { PublisherGate } from "../../model/publisher-gate.js";

/**
 * The memory alarm (vm_memory_high_watermark), reduced to a byte budget for
 * the messages the broker holds, ready or unacked. A message routed to several
 * queues counts once, as RabbitMQ shares one copy of the body between them.
 * Above the budget every publisher is blocked (connection.blocked); consumers
 * carry on, and once enough is acked or dropped publishers are released.
 */
export class MemoryAlarm {
  /** Per message: how many queues hold it (a column of the message table, allocated only with a limit). */
  private readonly copies: MessageColumn<Uint16Array> | null;
  /** Bytes of the messages the broker holds now. */
  bytes = 0;

  constructor(
    private readonly limit: number | null,
    private readonly messages: MessageTable,
    private readonly gate: PublisherGate,
  ) {
    this.copies = limit === null ? null : messages.column((n) => new Uint16Array(n));
    if (limit !== null) gate.setAdmissionRule(() => this.bytes < limit);
  }

  /** One more queue holds `message`. */
  hold(message: number): void {
    if (this.copies === null) return;
    const row = this.messages.slot(message);
    if (this.copies.values[row]!++ === 0) this.bytes += this.messages.size[row]!;
  }

  /** One queue let go of `message` (acked, dropped, dead-lettered, or handed over with autoAck). */
  release(message: number): void {
    if (this.copies === null) return;
    const row = this.messages.slot(message);
    if (--this.copies.values[row]! === 0) this.bytes -= this.messages.size[row]!;
  }

  /**
   * Clears the alarm once memory is below the budget. Called at the end of a
   * broker operation, never in the middle: reopening lets producers publish
   * at once, which re-enters the broker.
   */
  clearIfBelow(): void {
    if (this.limit !== null && !this.gate.isOpen && this.bytes < this.limit) this.gate.open();
  }
}
