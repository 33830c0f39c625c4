import type { BrokerContext } from "../broker.js";
import { GroupLists } from "./group-lists.js";
import { KeyspaceBroker } from "./keyspace.js";
import type { MemorySettings, PersistenceSettings, VersionSettings } from "./settings.js";

/**
 * What both list profiles share: one list per consumer group, and a consumer
 * that comes back is offered work at once. Subclasses say how they pop and
 * what else (a processing list) holds messages.
 */
export abstract class ListBroker extends KeyspaceBroker {
  protected readonly lists: GroupLists;

  constructor(context: BrokerContext, settings: PersistenceSettings & MemorySettings & VersionSettings, keys: number) {
    super(context, settings, keys);
    this.lists = new GroupLists(context, this.persistence, this.memory);
  }

  consumerUp(consumer: number): void {
    this.clients.up(consumer);
    this.dispatch(this.clients.groupOf(consumer));
  }

  /**
   * The lists let go of what was popped; besides what `forEachHeld` visits, a list profile may still read
   * what a crash may bring back: items popped or evicted since the data was last durable, and the messages of
   * journaled fields (a processing list's owners).
   */
  releaseRead(): number {
    this.lists.keepFromHeads();
    return this.persistence.oldestUndoable;
  }

  /** Visits every message waiting in a group's list. */
  protected forEachListed(visit: (message: number, group: number) => void): void {
    for (let group = 0; group < this.context.groupCount; group++) {
      this.lists.forEach(group, (message) => visit(message, group));
    }
  }

  /**
   * Hands waiting messages of `group` to waiting consumers (BRPOP / BLMOVE).
   * `blocked`: the consumers were blocked and a push wakes them (Redis 7.0
   * serves them from blocked.c, which counts no change for the pop); otherwise
   * a consumer's new command finds the list non-empty (one change).
   */
  protected abstract dispatch(group: number, blocked?: boolean): void;

  /** The producer's MULTI: one LPUSH of one element per group's list, one change each. */
  protected pushToEveryGroup(message: number): void {
    const groups = this.context.groupCount;
    this.persistence.changed(groups);
    for (let group = 0; group < groups; group++)
      if (this.context.messages.addressedTo(message, group)) this.lists.push(group, message);
    for (let group = 0; group < groups; group++) this.dispatch(group, true);
  }
}
