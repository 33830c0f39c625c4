/**
 * Deliveries in flight: a message handed to one consumer and not yet acked.
 * Slots are recycled through a free list, so their number stays at the peak
 * of unacked deliveries rather than growing with the run.
 */
export class DeliveryTable {
  message = new Int32Array(256);
  consumer = new Int32Array(256);
  deliveredAt = new Float64Array(256);
  private live = new Uint8Array(256);
  private free: number[] = [];
  private used = 0;
  inFlight = 0;

  open(message: number, consumer: number, now: number): number {
    const id = this.free.length > 0 ? this.free.pop()! : this.newSlot();
    this.message[id] = message;
    this.consumer[id] = consumer;
    this.deliveredAt[id] = now;
    this.live[id] = 1;
    this.inFlight++;
    return id;
  }

  close(id: number): void {
    if (this.live[id] !== 1) throw new Error(`invariant: delivery ${id} closed twice`);
    this.live[id] = 0;
    this.free.push(id);
    this.inFlight--;
  }

  /** Visits open deliveries in slot order. */
  forEachOpen(visit: (delivery: number) => void): void {
    for (let id = 0; id < this.used; id++) if (this.live[id] === 1) visit(id);
  }

  private newSlot(): number {
    if (this.used === this.message.length) {
      const capacity = this.used * 2;
      this.message = copyInto(new Int32Array(capacity), this.message);
      this.consumer = copyInto(new Int32Array(capacity), this.consumer);
      this.deliveredAt = copyInto(new Float64Array(capacity), this.deliveredAt);
      this.live = copyInto(new Uint8Array(capacity), this.live);
    }
    return this.used++;
  }
}

function copyInto<T extends Int32Array | Float64Array | Uint8Array>(target: T, source: T): T {
  target.set(source);
  return target;
}
