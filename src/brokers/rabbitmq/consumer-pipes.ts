import type { MessageTable } from "../../model/messages.js";

/**
 * rabbit_queue_consumers.erl (v3.10.8, 4.x alike): a queue stops sending to a channel that has
 * UNSENT_MESSAGE_LIMIT messages not yet written to its socket.
 */
export const UNSENT_MESSAGE_LIMIT = 200;

/**
 * Bytes of AMQP 0-9-1 framing per delivery besides the body: a basic.deliver method frame (with a
 * 32-character consumer tag, the delivery tag, exchange and routing key), a content header frame and a
 * body frame, 7 bytes of header and an end byte each. About 90 bytes with short names.
 */
export const FRAME_OVERHEAD_BYTES = 90;

/**
 * What bounds the push to a consumer that prefetch does not bound (autoAck, or a classic queue with
 * prefetch 0): the sockets between broker and consumer hold `bufferBytes` (the broker's send buffer and
 * the client's receive buffer), and behind them the queue sends at most UNSENT_MESSAGE_LIMIT messages
 * the socket has not taken. A delivery leaves the pipe when the consumer has processed it: queuesim's
 * consumer reads its next message as it finishes one. For messages of one size this holds
 * bufferBytes / (size + framing) + 200 messages, as measured on RabbitMQ 3.10.8 (see the conformance
 * experiments rabbitmq/autoack-stopped-reader-*).
 */
export class ConsumerPipes {
  private readonly bytes: Float64Array;

  constructor(
    consumerCount: number,
    private readonly bufferBytes: number,
    private readonly messages: MessageTable,
  ) {
    this.bytes = new Float64Array(consumerCount);
  }

  /** Whether the pipe to `consumer` takes `message` now. */
  fits(consumer: number, message: number): boolean {
    return this.bytes[consumer]! < this.bufferBytes + UNSENT_MESSAGE_LIMIT * this.wireSize(message);
  }

  sent(consumer: number, message: number): void {
    this.bytes[consumer]! += this.wireSize(message);
  }

  /** The consumer processed a delivery of its current connection: it left the pipe. */
  drained(consumer: number, message: number): void {
    this.bytes[consumer] = Math.max(0, this.bytes[consumer]! - this.wireSize(message));
  }

  /** A new connection starts with empty sockets. */
  reset(consumer: number): void {
    this.bytes[consumer] = 0;
  }

  private wireSize(message: number): number {
    return this.messages.size[this.messages.slot(message)]! + FRAME_OVERHEAD_BYTES;
  }
}
