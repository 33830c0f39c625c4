import type { Simulation } from "../../engine/simulation.js";
import type { DeliveryTable } from "../../model/deliveries.js";

/** RabbitMQ checks consumer_timeout on each channel's tick: channel_tick_interval, 60 s by default. */
export const DEFAULT_TICK_INTERVAL = 60_000_000;

/**
 * consumer_timeout: on every tick, a delivery unacked for longer than the
 * timeout gets its channel closed. Like RabbitMQ's channel, which cancels its
 * tick timer when it has nothing unacked, the tick runs only while some
 * delivery is open, so a drained run does not go on ticking.
 */
export class ConsumerTimeout {
  private event = -1;
  private readonly tick = (): void => {
    this.event = -1;
    const { deliveries, sim } = this;
    const expired: { consumer: number; incarnation: number }[] = [];
    deliveries.forEachOpen((delivery) => {
      if (sim.now - deliveries.deliveredAt(delivery) > this.timeout) {
        expired.push({ consumer: deliveries.consumer(delivery), incarnation: deliveries.incarnation(delivery) });
      }
    });
    expired.sort((a, b) => a.consumer - b.consumer || a.incarnation - b.incarnation);
    let previous: { consumer: number; incarnation: number } | null = null;
    for (const channel of expired) {
      if (previous?.consumer === channel.consumer && previous.incarnation === channel.incarnation) continue;
      previous = channel;
      this.closeChannel(channel.consumer, channel.incarnation);
    }
    this.opened();
  };

  constructor(
    private readonly sim: Simulation,
    private readonly deliveries: DeliveryTable,
    private readonly timeout: number,
    /** channel_tick_interval (µs). */
    private readonly tickInterval: number,
    /** Closes the channel of `consumer` in its `incarnation` and requeues what it held. */
    private readonly closeChannel: (consumer: number, incarnation: number) => void,
  ) {}

  /** A delivery was opened: make sure a tick is coming. */
  opened(): void {
    if (this.event !== -1 || this.deliveries.inFlight === 0) return;
    const next = (Math.floor(this.sim.now / this.tickInterval) + 1) * this.tickInterval;
    this.event = this.sim.at(next, this.tick);
  }

  /** A delivery was closed: with none left open, the tick stops. */
  closed(): void {
    if (this.event === -1 || this.deliveries.inFlight > 0) return;
    this.sim.cancel(this.event);
    this.event = -1;
  }
}
