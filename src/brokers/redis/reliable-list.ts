import { IntRing } from "../../model/int-ring.js";
import type { Broker, BrokerContext, ConnectionLoss } from "../broker.js";
import { GroupColumn } from "./columns.js";
import { ListBroker } from "./list-base.js";
import type { MemorySettings, PersistenceSettings, VersionSettings } from "./settings.js";
import { listElementBytes } from "./sizes.js";

export type ReliableListSettings = PersistenceSettings &
  MemorySettings &
  VersionSettings & {
    visibilityTimeout: number;
    reaperInterval: number;
    fetchRetryDelay: number;
  };

/** Journal record: who owned a (group, message) in a processing list before (a), and since when (b). */
const OWNER = 3;

export function createReliableListBroker(context: BrokerContext, settings: ReliableListSettings): Broker {
  return new ReliableListBroker(context, settings);
}

/**
 * The reliable-queue pattern: BLMOVE from the group's list into the
 * consumer's own processing list (memory key groups + consumer), LREM from it
 * on success. Redis never times anything out; an application reaper scans the
 * processing lists every `reaperInterval` and pushes items older than
 * `visibilityTimeout` back onto the main list (at the back, like a new
 * message). A merely slow consumer therefore gets its item duplicated, and a
 * crash after processing but before the LREM gives a duplicate. Nothing
 * counts deliveries, so a message that always fails cycles for ever.
 */
class ReliableListBroker extends ListBroker {
  /** Per (group, message): the consumer whose processing list holds it, or -1. */
  private readonly owner: GroupColumn<Int32Array>;
  private readonly since: GroupColumn<Float64Array>;
  private readonly ownerEpochs: GroupColumn<Uint32Array>;
  /** Per (group, message): the latest delivery handle, or -1. */
  private readonly handle: GroupColumn<Int32Array>;
  /** Per consumer: its processing list, oldest first; entries whose owner changed are skipped. */
  private readonly processing: IntRing[];
  private totalProcessing = 0;
  private reaperArmed = false;
  private readonly reap = (): void => this.reapStale();

  constructor(
    context: BrokerContext,
    private readonly settings: ReliableListSettings,
  ) {
    super(context, settings, context.groupCount + context.consumers.length);
    const { messages, groupCount } = context;
    this.owner = new GroupColumn(messages, groupCount, (n) => new Int32Array(n), -1);
    this.since = new GroupColumn(messages, groupCount, (n) => new Float64Array(n));
    this.ownerEpochs = new GroupColumn(messages, groupCount, (n) => new Uint32Array(n));
    this.handle = new GroupColumn(messages, groupCount, (n) => new Int32Array(n), -1);
    this.processing = context.consumers.map(() => new IntRing());
    // BLMOVE is denyoom: over maxmemory (and nothing to evict) a new one fails with OOM.
    this.clients.refuseReads({
      refuses: () => !this.memory.admitWrite(),
      delay: settings.fetchRetryDelay,
      retried: (consumer) => this.dispatch(this.clients.groupOf(consumer)),
    });
  }

  /** LREM from the consumer's processing list; if the reaper already moved the item, nothing happens. */
  ack(delivery: number): void {
    const { deliveries } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const message = deliveries.message(delivery);
    const consumer = deliveries.consumer(delivery);
    const group = this.clients.groupOf(consumer);
    if (this.up && this.owner.get(group, message) === consumer) {
      this.persistence.changed();
      this.setOwner(group, message, -1);
      this.memory.touch(this.processingKey(consumer));
    }
    // The next BLMOVE comes after the LREM, and finds the memory it freed.
    this.clients.settle(delivery);
    this.dispatch(group);
  }

  /** A failure leaves the item in the processing list, for the reaper. */
  nack(delivery: number): void {
    const { deliveries } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const group = this.clients.groupOf(deliveries.consumer(delivery));
    this.clients.settle(delivery);
    this.dispatch(group);
  }

  /** Redis notices nothing; deliveries stay open so that LREMs already on the wire still land. */
  consumerDown(consumer: number, loss: ConnectionLoss): void {
    this.clients.down(consumer, loss);
  }

  forEachHeld(visit: (message: number, group: number) => void): void {
    this.forEachListed(visit);
    this.processing.forEach((ring, consumer) => {
      const group = this.clients.groupOf(consumer);
      ring.forEach((message) => {
        if (this.owner.get(group, message) === consumer) visit(message, group);
      });
    });
    this.clients.forEachLive(visit);
  }

  /**
   * Besides the lists' popped positions, each processing list lets go of the items whose owner changed (acked,
   * or moved back by the reaper): every reader skips them, and their messages may be retired. What is left is
   * what `forEachHeld` visits.
   */
  override releaseRead(): number {
    this.processing.forEach((ring, consumer) => {
      const group = this.clients.groupOf(consumer);
      for (let left = ring.length; left > 0; left--) {
        const message = ring.shift();
        if (this.owner.get(group, message) === consumer) ring.push(message);
      }
    });
    return super.releaseRead();
  }

  protected write(message: number): void {
    this.pushToEveryGroup(message);
  }

  protected evict(key: number): void {
    const groups = this.context.groupCount;
    if (key < groups) {
      for (const message of this.lists.deleteAll(key)) this.discard(message, key, "evicted", false);
      return;
    }
    const consumer = key - groups;
    const group = this.clients.groupOf(consumer);
    this.processing[consumer]!.forEach((message) => {
      if (this.owner.get(group, message) !== consumer) return;
      this.setOwner(group, message, -1);
      this.discard(message, group, "evicted", this.isHeldLive(group, message));
      this.closeDeadHolder(group, message);
    });
    this.processing[consumer]!.clear();
  }

  protected undo(kind: number, group: number, message: number, a: number, b: number): void {
    if (this.lists.undo(kind, group, a)) return;
    if (kind !== OWNER) throw new Error(`invariant: unknown journal record ${kind}`);
    this.owner.set(group, message, a);
    this.since.set(group, message, b);
  }

  protected wipe(): void {
    this.lists.wipe();
    this.owner.reset();
  }

  /**
   * Rebuilds the processing lists (oldest first) and memory from the restored owners, over the table's rows: a
   * retired message has no owner, and a crash restores owners only of messages it holds (`oldestUndoable`).
   */
  protected rebuild(): void {
    this.memory.reset();
    this.lists.recount();
    const items: { consumer: number; message: number; since: number }[] = [];
    const { base, count } = this.context.messages;
    for (let group = 0; group < this.context.groupCount; group++) {
      for (let message = base; message < count; message++) {
        const consumer = this.owner.get(group, message);
        if (consumer >= 0) items.push({ consumer, message, since: this.since.get(group, message) });
      }
    }
    items.sort((x, y) => x.since - y.since || x.message - y.message);
    for (const ring of this.processing) ring.clear();
    this.totalProcessing = 0;
    for (const { consumer, message } of items) this.enterProcessing(consumer, message);
  }

  protected resume(): void {
    for (let group = 0; group < this.context.groupCount; group++) this.dispatch(group);
  }

  /**
   * BLMOVE: the longest-blocked consumer moves the oldest item into its
   * processing list. Redis 7.2 and later run a woken BLMOVE again, memory
   * check included: over the limit it fails with OOM and the worker retries.
   */
  protected dispatch(group: number, blocked = false): void {
    if (!this.up) return;
    while (this.lists.length(group) > 0) {
      const consumer = this.clients.next(group);
      if (consumer < 0) return;
      if (blocked && this.rerunsBlocked && !this.memory.admitWrite()) {
        this.clients.refuse(consumer);
        continue;
      }
      this.readServed(blocked);
      const message = this.lists.pop(group);
      this.setOwner(group, message, consumer);
      // A silent consumer's BLMOVE moves the item into its processing list all the same, for the reaper.
      const ghost = this.clients.isGhost(consumer);
      this.clients.took(consumer);
      this.handle.set(group, message, ghost ? -1 : this.context.deliver(message, consumer));
    }
  }

  /**
   * The reaper: items in a processing list for `visibilityTimeout` or more go
   * back to the main list. Its LMOVE is denyoom too: over maxmemory it fails,
   * and the items wait for the next scan.
   */
  private reapStale(): void {
    this.reaperArmed = false;
    if (this.up && this.memory.admitWrite()) {
      const oldest = this.context.sim.now - this.settings.visibilityTimeout;
      const requeued = new Set<number>();
      this.processing.forEach((ring, consumer) => {
        const group = this.clients.groupOf(consumer);
        const kept: number[] = [];
        ring.forEach((message) => {
          if (this.owner.get(group, message) !== consumer) return;
          if (this.since.get(group, message) > oldest) kept.push(message);
          else {
            this.requeue(group, message);
            requeued.add(group);
          }
        });
        ring.clear();
        for (const message of kept) ring.push(message);
      });
      for (const group of [...requeued].sort((a, b) => a - b)) this.dispatch(group, true);
    }
    this.armReaper();
  }

  /** The reaper's LMOVE from the processing list back onto the main list: one change. */
  private requeue(group: number, message: number): void {
    this.persistence.changed();
    this.setOwner(group, message, -1);
    this.lists.push(group, message);
    this.closeDeadHolder(group, message);
  }

  /** A dead holder will never LREM: forget its delivery. A live one (merely slow) may still LREM, finding nothing. */
  private closeDeadHolder(group: number, message: number): void {
    const previous = this.handle.get(group, message);
    if (previous >= 0 && this.context.deliveries.isOpen(previous) && !this.clients.isLive(previous)) {
      this.context.deliveries.close(previous);
    }
  }

  /** Moves a (group, message) into `consumer`'s processing list, or out of any (-1); journaled. */
  private setOwner(group: number, message: number, consumer: number): void {
    // One row lookup for the call; nothing in it creates a message, so the columns' arrays stay put.
    const row = this.context.messages.slot(message);
    const owners = this.owner.rows(group);
    const sinces = this.since.rows(group);
    const previous = owners[row]!;
    this.persistence.write(this.ownerEpochs.rows(group), row, OWNER, group, message, previous, sinces[row]!);
    if (previous >= 0) {
      this.totalProcessing--;
      this.memory.shrink(this.processingKey(previous), this.elementBytes(message));
    }
    owners[row] = consumer;
    if (consumer >= 0) {
      sinces[row] = this.context.sim.now;
      this.enterProcessing(consumer, message);
      this.memory.touch(this.processingKey(consumer));
    }
  }

  private enterProcessing(consumer: number, message: number): void {
    this.processing[consumer]!.push(message);
    this.totalProcessing++;
    this.memory.grow(this.processingKey(consumer), this.elementBytes(message));
    this.armReaper();
  }

  private armReaper(): void {
    if (this.reaperArmed || this.totalProcessing === 0) return;
    this.reaperArmed = true;
    this.context.sim.schedule(this.settings.reaperInterval, this.reap);
  }

  private isHeldLive(group: number, message: number): boolean {
    const handle = this.handle.get(group, message);
    return handle >= 0 && this.clients.isLive(handle);
  }

  private elementBytes(message: number): number {
    const { messages } = this.context;
    return listElementBytes(messages.size[messages.slot(message)]!);
  }

  private processingKey(consumer: number): number {
    return this.context.groupCount + consumer;
  }
}
