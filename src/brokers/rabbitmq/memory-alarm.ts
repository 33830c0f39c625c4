import { withRoomFor } from "../../model/growable.js";
import type { MessageTable } from "../../model/messages.js";
import type { PublisherGate } from "../../model/publisher-gate.js";

/**
 * The memory alarm (vm_memory_high_watermark), reduced to a byte budget for
 * the messages the broker holds, ready or unacked. A message routed to several
 * queues counts once, as RabbitMQ shares one copy of the body between them.
 * Above the budget every publisher is blocked (connection.blocked); consumers
 * carry on, and once enough is acked or dropped publishers are released.
 */
export class MemoryAlarm {
  private copies = new Uint16Array(1024);
  /** Bytes of the messages the broker holds now. */
  bytes = 0;

  constructor(
    private readonly limit: number | null,
    private readonly messages: MessageTable,
    private readonly gate: PublisherGate,
  ) {
    if (limit !== null) gate.setAdmissionRule(() => this.bytes < limit);
  }

  /** One more queue holds `message`. */
  hold(message: number): void {
    if (this.limit === null) return;
    if (message >= this.copies.length) this.grow(message);
    if (this.copies[message]!++ === 0) this.bytes += this.messages.size[message]!;
  }

  /** One queue let go of `message` (acked, dropped, dead-lettered, or handed over with autoAck). */
  release(message: number): void {
    if (this.limit === null) return;
    if (--this.copies[message]! === 0) this.bytes -= this.messages.size[message]!;
  }

  /**
   * Clears the alarm once memory is below the budget. Called at the end of a
   * broker operation, never in the middle: reopening lets producers publish
   * at once, which re-enters the broker.
   */
  clearIfBelow(): void {
    if (this.limit !== null && !this.gate.isOpen && this.bytes < this.limit) this.gate.open();
  }

  private grow(message: number): void {
    this.copies = withRoomFor(this.copies, message);
  }
}
