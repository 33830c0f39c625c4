/**
 * When RabbitMQ notices that a silent connection is dead (a frozen consumer, a dead host, a cut network),
 * following rabbit_heartbeat.erl (rabbitmq-server v3.10.8, unchanged in 4.x) and amqplib's heartbeat.js:
 *
 * - The server's receive check runs every heartbeat interval T from the moment the connection was tuned.
 *   It reads the socket's received-bytes counter; a check that sees no change since the one before counts
 *   a miss, and the second miss in a row closes the connection ("missed heartbeats from client"). So the
 *   close comes at the second check after the first check that follows the last frame received: 2 to 3
 *   intervals after that frame.
 * - The client (amqplib, and the other common clients) checks every T/2 whether it sent anything since its
 *   previous check, and sends a heartbeat frame if not. Its ticks are taken to start with the connection.
 *
 * Times are the broker's; a frame counts when it arrives. Check and tick times start at the connection
 * open, with a check seeing only frames that arrived strictly before it (the client's tick at the same
 * instant is a hair later in reality: the client starts its timers after the server's).
 */
export class HeartbeatDetection {
  private readonly openedAt: Float64Array;
  private readonly lastFrameAt: Float64Array;

  constructor(
    consumerCount: number,
    /** The negotiated interval (µs); 0 turns heartbeats off. */
    private readonly interval: number,
  ) {
    this.openedAt = new Float64Array(consumerCount);
    this.lastFrameAt = new Float64Array(consumerCount);
  }

  /** The consumer's connection was (re)opened now; its opening frames are its last so far. */
  opened(consumer: number, now: number): void {
    this.openedAt[consumer] = now;
    this.lastFrameAt[consumer] = now;
  }

  /** A frame (an ack, a nack) from the consumer's live connection arrived. */
  heard(consumer: number, now: number): void {
    this.lastFrameAt[consumer] = now;
  }

  /** When the broker closes the connection of a consumer that went silent at `silentFrom`; null: never (no heartbeats). */
  closesAt(consumer: number, silentFrom: number): number | null {
    const interval = this.interval;
    if (interval === 0) return null;
    const opened = this.openedAt[consumer]!;
    const lastFrame = this.lastFrameFrom(consumer, silentFrom);
    const firstCheckAfter = opened + interval * (Math.floor((lastFrame - opened) / interval) + 1);
    return firstCheckAfter + 2 * interval;
  }

  /** The client's last frame before it went silent: its own last send, or its last heartbeat tick. */
  private lastFrameFrom(consumer: number, silentFrom: number): number {
    const half = this.interval / 2;
    const opened = this.openedAt[consumer]!;
    const lastSent = this.lastFrameAt[consumer]!;
    const ticks = Math.floor((silentFrom - opened) / half);
    if (ticks < 1) return lastSent;
    const lastTick = opened + ticks * half;
    // At a tick the client sends a heartbeat only if it sent nothing in the half interval before.
    return lastSent > lastTick - half ? lastSent : lastTick;
  }
}
