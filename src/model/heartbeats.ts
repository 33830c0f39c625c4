import type { Simulation } from "../engine/simulation.js";
import { withRoomFor } from "./growable.js";
import type { Link } from "./network.js";

/**
 * A consumer client's heartbeats for the deliveries it holds (SQS: a
 * ChangeMessageVisibility call per received message): one timer per work
 * slot, from the receive until the delivery is settled or the instance dies.
 * Each beat travels to the broker over the consumer's own link, like an ack,
 * so link latency delays it and a partition loses it.
 */
export class DeliveryHeartbeats {
  private timer = new Float64Array(8).fill(-1);
  private delivery = new Float64Array(8);
  private readonly beat = (slot: number): void => {
    this.toBroker.send(this.arrives, this.delivery[slot]!);
    this.timer[slot] = this.sim.schedule(this.every, this.beat, slot);
  };

  constructor(
    private readonly sim: Simulation,
    /** Microseconds between two beats for one delivery. */
    private readonly every: number,
    private readonly toBroker: Link,
    /** The broker's handler, called when a beat arrives. */
    private readonly arrives: (delivery: number) => void,
  ) {}

  /** The consumer received `delivery` into work slot `slot`: its first beat is `every` from now. */
  begin(slot: number, delivery: number): void {
    this.timer = withRoomFor(this.timer, slot, -1);
    this.delivery = withRoomFor(this.delivery, slot);
    this.delivery[slot] = delivery;
    this.timer[slot] = this.sim.schedule(this.every, this.beat, slot);
  }

  /** The delivery in `slot` was settled (its ack or nack is sent): no more beats. */
  end(slot: number): void {
    const timer = this.timer[slot]!;
    if (timer >= 0) this.sim.cancel(timer);
    this.timer[slot] = -1;
  }

  /** The instance died or closed: every beat stops. */
  endAll(): void {
    for (let slot = 0; slot < this.timer.length; slot++) this.end(slot);
  }
}
