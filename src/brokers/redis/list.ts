import type { Broker, BrokerContext, ConnectionLoss } from "../broker.js";
import { ListBroker } from "./list-base.js";
import type { MemorySettings, PersistenceSettings, VersionSettings } from "./settings.js";

export type RedisListSettings = PersistenceSettings & MemorySettings & VersionSettings;

export function createRedisListBroker(context: BrokerContext, settings: RedisListSettings): Broker {
  return new RedisListBroker(context, settings);
}

/**
 * Plain Redis lists: LPUSH to each group's list, BRPOP one message at a time.
 * The pop removes the item, so from then on only the consumer has it: if it
 * crashes, the message is lost. The ack is a no-op. A failed processing (a
 * nack) loses the message too, since Redis has nothing to return it to; an
 * application could re-push it, but nothing in Redis does.
 */
class RedisListBroker extends ListBroker {
  constructor(context: BrokerContext, settings: RedisListSettings) {
    super(context, settings, context.groupCount);
  }

  ack(delivery: number): void {
    if (!this.context.deliveries.isOpen(delivery)) return;
    const group = this.clients.groupOf(this.context.deliveries.consumer(delivery));
    this.clients.settle(delivery);
    this.dispatch(group);
  }

  nack(delivery: number): void {
    const { deliveries } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const message = deliveries.message(delivery);
    const group = this.clients.groupOf(deliveries.consumer(delivery));
    this.clients.settle(delivery);
    this.discard(message, group, "processing-failed", false);
    this.dispatch(group);
  }

  consumerDown(consumer: number, loss: ConnectionLoss): void {
    this.clients.down(consumer, loss);
    // What it popped is nowhere in Redis any more: lost, with nothing to drop.
    this.clients.closeStale(consumer);
  }

  forEachHeld(visit: (message: number, group: number) => void): void {
    this.forEachListed(visit);
    this.clients.forEachLive(visit);
  }

  protected write(message: number): void {
    this.pushToEveryGroup(message);
  }

  protected evict(key: number): void {
    for (const message of this.lists.deleteAll(key)) this.discard(message, key, "evicted", false);
  }

  protected undo(kind: number, group: number, _message: number, before: number): void {
    if (!this.lists.undo(kind, group, before)) throw new Error(`invariant: unknown journal record ${kind}`);
  }

  protected wipe(): void {
    this.lists.wipe();
  }

  protected rebuild(): void {
    this.memory.reset();
    this.lists.recount();
  }

  protected resume(): void {
    for (let group = 0; group < this.context.groupCount; group++) this.dispatch(group);
  }

  /** BRPOP: the longest-blocked consumer gets the oldest item. */
  protected dispatch(group: number, blocked = false): void {
    if (!this.up) return;
    while (this.lists.length(group) > 0) {
      const consumer = this.clients.next(group);
      if (consumer < 0) return;
      this.readServed(blocked);
      const message = this.lists.pop(group);
      const ghost = this.clients.isGhost(consumer);
      this.clients.took(consumer);
      // A silent consumer's BRPOP takes the item into a socket nobody reads: lost, with nothing to drop.
      if (!ghost) this.context.deliver(message, consumer);
    }
  }
}
