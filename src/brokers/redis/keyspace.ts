import { Fate } from "../../model/messages.js";
import type { Broker, BrokerContext, BrokerFailure, ConnectionLoss } from "../broker.js";
import { Clients } from "./clients.js";
import { Memory } from "./memory.js";
import { Persistence } from "./persistence.js";
import type { MemorySettings, PersistenceSettings, VersionSettings } from "./settings.js";

/**
 * What the Redis profiles that keep messages in keys (lists, streams) share:
 * connection state, persistence with crash rollback, maxmemory, and the rule
 * that a Redis that is down refuses publishes. Subclasses say what a publish
 * writes, how to undo one journal record, and how to rebuild their indexes.
 */
export abstract class KeyspaceBroker implements Broker {
  protected up = true;
  protected readonly clients: Clients;
  protected readonly persistence: Persistence;
  protected readonly memory: Memory;
  /** Redis 7.2 and later run a served blocked command again (see versionSetting); 7.0 does not. */
  protected readonly rerunsBlocked: boolean;

  constructor(
    protected readonly context: BrokerContext,
    settings: PersistenceSettings & MemorySettings & VersionSettings,
    keys: number,
  ) {
    this.rerunsBlocked = settings.version !== "7.0";
    this.clients = new Clients(context);
    this.persistence = new Persistence(settings, context.sim, context.brokerMayCrash ?? true);
    const random = Memory.needsRandom(settings) ? context.stream("eviction") : null;
    this.memory = new Memory(keys, settings, context.sim, random);
    this.memory.onEvict((key) => this.evict(key));
  }

  publish(message: number): void {
    if (!this.up || !this.memory.admitWrite()) {
      this.context.reject(message);
      return;
    }
    this.context.accept(message);
    this.write(message);
  }

  abstract ack(delivery: number): void;
  abstract nack(delivery: number): void;
  abstract consumerDown(consumer: number, loss: ConnectionLoss): void;
  abstract consumerUp(consumer: number): void;
  abstract forEachHeld(visit: (message: number, group: number) => void): void;

  /** A clean stop: the consumer issues no more blocking reads (BRPOP, BLMOVE, XREADGROUP) or claims. */
  consumerStopping(consumer: number): void {
    this.clients.stop(consumer);
  }

  /**
   * Redis keeps nothing per connection: a clean close leaves what the profile
   * holds where it is (a popped item is gone, a processing-list item waits for
   * the reaper, a pending entry for a claim), as a crash does.
   */
  consumerClosed(consumer: number): void {
    this.consumerDown(consumer, "closed");
  }

  /**
   * Redis crashes: the dataset goes back to what the restart will load (see
   * Persistence: a process crash keeps the AOF's unsynced tail, a host crash
   * does not). What was held before and is gone after, and no consumer has in
   * hand, is dropped ("broker-crash"); pops and acks since then are undone, so
   * those messages come back and are delivered again. In a run that retires
   * messages, each profile's `releaseRead` holds what a crash may bring back
   * (`Persistence.oldestUndoable`), and the comparison and rebuild read only
   * the table's rows.
   */
  crash(failure: BrokerFailure): void {
    this.up = false;
    this.clients.brokerDown();
    const before = this.heldMarks();
    const outcome = this.persistence.crash(failure);
    if (outcome === "wipe") this.wipe();
    if (outcome === "undo") {
      this.persistence.journal.undoAll((kind, group, message, a, b, c) => this.undo(kind, group, message, a, b, c));
    }
    if (outcome !== "keep") this.rebuild();
    this.dropVanished(before, this.heldMarks());
  }

  /** As INFO reports them: changes since the last RDB save, BGSAVEs since start, used_memory as the profile counts it. */
  figures(): Record<string, number> {
    return {
      rdb_changes_since_last_save: this.persistence.changesSinceLastSave,
      rdb_saves: this.persistence.savesSinceStart,
      used_memory: this.memory.used,
    };
  }

  restart(): void {
    this.up = true;
    this.persistence.restarted();
    this.clients.brokerBack();
    this.resume();
  }

  /** Writes an accepted message (LPUSH to each group's list, XADD) and dispatches it. */
  protected abstract write(message: number): void;
  /** Deletes a key under memory pressure, dropping its messages ("evicted"). */
  protected abstract evict(key: number): void;
  /** Restores one field from a journal before-image. */
  protected abstract undo(kind: number, group: number, message: number, a: number, b: number, c: number): void;
  /** Empties the dataset: a crash with no persistence. */
  protected abstract wipe(): void;
  /** Recomputes indexes and memory from the restored fields. */
  protected abstract rebuild(): void;
  /** Dispatches whatever waits, after a restart. */
  protected abstract resume(): void;

  /**
   * The change a blocking read counts when it is served: 1 when it found data
   * at once, and when a push woke it only on Redis 7.2 and later.
   */
  protected readServed(blocked: boolean): void {
    if (!blocked || this.rerunsBlocked) this.persistence.changed();
  }

  /** Drops a (message, group) the broker no longer holds, unless a group consumer has it or already consumed it. */
  protected discard(message: number, group: number, reason: string, liveHolder: boolean): void {
    if (liveHolder) return;
    const { messages } = this.context;
    const row = messages.slot(message);
    if (messages.consumedBy[group]![row]! > 0 || messages.fate[group]![row] !== Fate.none) return;
    this.context.drop(message, group, reason);
  }

  /**
   * Per group, a mark for each message in the table's rows (`base` up to `count`, what a crash may find in
   * play), at `message - base`: a held message is never retired, and the arrays are as long as the rows are.
   */
  private heldMarks(): Uint8Array[] {
    const { base, count } = this.context.messages;
    const marks = Array.from({ length: this.context.groupCount }, () => new Uint8Array(count - base));
    this.forEachHeld((message, group) => {
      if (message < base) heldRetired(message, base);
      marks[group]![message - base] = 1;
    });
    return marks;
  }

  /** Drops, group by group in id order, what was held before the crash and is not after it. */
  private dropVanished(before: Uint8Array[], after: Uint8Array[]): void {
    const { base } = this.context.messages;
    for (let group = 0; group < before.length; group++) {
      const was = before[group]!;
      const is = after[group]!;
      for (let at = 0; at < was.length; at++) {
        if (was[at] === 1 && is[at] === 0) this.discard(base + at, group, "broker-crash", false);
      }
    }
  }
}

/** Out of line: a crash found a retired message held, which its profile failed to report before. */
function heldRetired(message: number, base: number): never {
  throw new Error(`invariant: a Redis crash finds message ${message} held, retired (base ${base})`);
}
