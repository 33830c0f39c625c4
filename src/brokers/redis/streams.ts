import { Fate } from "../../model/messages.js";
import type { Broker, BrokerContext, ConnectionLoss } from "../broker.js";
import { ClaimLoop, type ClaimSettings } from "./claims.js";
import { GroupColumn } from "./columns.js";
import { KeyspaceBroker } from "./keyspace.js";
import { PendingEntries } from "./pending.js";
import type { MemorySettings, PersistenceSettings, VersionSettings } from "./settings.js";
import { type StageStreams, stageStreams } from "./stage-streams.js";
import { StreamLog, type TrimSettings } from "./stream-log.js";

export type StreamsSettings = PersistenceSettings &
  MemorySettings &
  VersionSettings &
  TrimSettings &
  ClaimSettings & {
    COUNT: number | null;
    NOACK: boolean;
    readPendingOnRestart: boolean;
    maxDeliveries: number | null;
  };

/** Journal record: a group's last-delivered position before an XREADGROUP moved it (a). */
const CURSOR = 20;

export function createStreamsBroker(context: BrokerContext, settings: StreamsSettings): Broker {
  return new StreamsBroker(context, settings);
}

/**
 * One Redis stream; each scenario group is a consumer group on it. XREADGROUP
 * `>` hands each new entry to one consumer of the group (up to COUNT per
 * read) and records it in the group's PEL; XACK removes it. Redis never
 * redelivers by itself: a crashed consumer's entries stay pending until
 * someone claims them (XAUTOCLAIM, run every `claimInterval` by a live
 * consumer of the group, for entries idle at least `min-idle-time`) or the
 * consumer re-reads its own history from ID 0 on restart. Entries stay in the
 * stream after XACK until MAXLEN trims them, and trimming does not care
 * whether a group has read them.
 */
class StreamsBroker extends KeyspaceBroker {
  /** The streams: the main one (key 0), then one per group a pipeline stage feeds (stage-streams below). */
  private readonly logs: StreamLog[];
  private readonly streams: StageStreams;
  private readonly pel: PendingEntries;
  /** Per group: the sequence number after the last entry delivered (last-delivered-id). */
  private readonly cursor: Float64Array;
  private readonly cursorEpochs: Uint32Array;
  /** Per group: the latest delivery handle of each entry, or -1. */
  private readonly handle: GroupColumn<Int32Array>;
  private readonly claims: ClaimLoop;
  /** Consumers that will read their own history from ID 0 once Redis is reachable. */
  private readonly historyDue: Uint8Array;
  /** The highest PEL delivery counter any entry reached (as XPENDING would have shown it). */
  private highestDeliveryCount = 0;
  /** Consumers the group knows by name (created by their first served read or claim). */
  private readonly named: Uint8Array;
  private readonly readAgain = (group: number): void => this.dispatch(group);

  constructor(
    context: BrokerContext,
    private readonly settings: StreamsSettings,
  ) {
    const streams = stageStreams(context);
    super(context, settings, streams.readers.length);
    this.streams = streams;
    this.logs = streams.readers.map((_, key) => new StreamLog(context, this.persistence, this.memory, settings, key));
    this.pel = new PendingEntries(context, this.persistence, this.memory, {
      keyOf: (group) => streams.ofGroup[group]!,
      // A crash that puts the entry back in the PEL may read its stream entry again (`has`, a claim).
      journaled: (group, message) => this.logOf(group).holdForUndo(this.logOf(group).seq(message)),
    });
    this.cursor = new Float64Array(context.groupCount);
    this.cursorEpochs = new Uint32Array(context.groupCount);
    this.handle = new GroupColumn(context.messages, context.groupCount, (n) => new Int32Array(n), -1);
    this.claims = new ClaimLoop(
      context,
      this.pel,
      settings,
      (consumer) => this.up && this.clients.reads(consumer),
      (group, message, claimer) => this.claim(group, message, claimer),
    );
    this.historyDue = new Uint8Array(context.consumers.length);
    this.named = new Uint8Array(context.consumers.length);
  }

  /** XACK removes the entry from the PEL whoever owns it now; with NOACK there is nothing to remove. */
  ack(delivery: number): void {
    const { deliveries } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const message = deliveries.message(delivery);
    const group = this.clients.groupOf(deliveries.consumer(delivery));
    this.clients.settle(delivery);
    if (this.up && !this.settings.NOACK) {
      if (this.pel.isPending(group, message)) this.persistence.changed();
      this.pel.remove(group, message);
      this.memory.touch(this.streams.ofGroup[group]!);
    }
    this.readNext(group);
  }

  /** A failure leaves the entry pending, for a claim or a re-read. */
  nack(delivery: number): void {
    const { deliveries } = this.context;
    if (!deliveries.isOpen(delivery)) return;
    const group = this.clients.groupOf(deliveries.consumer(delivery));
    this.clients.settle(delivery);
    this.readNext(group);
  }

  consumerDown(consumer: number, loss: ConnectionLoss): void {
    this.clients.down(consumer, loss);
    this.historyDue[consumer] = 0;
    // With NOACK its entries are nowhere else: lost. Otherwise XACKs already on the wire still land.
    if (this.settings.NOACK) this.clients.closeStale(consumer);
  }

  consumerUp(consumer: number): void {
    this.clients.up(consumer);
    if (this.settings.readPendingOnRestart && !this.settings.NOACK) this.historyDue[consumer] = 1;
    if (this.up) this.readHistory(consumer);
    const group = this.clients.groupOf(consumer);
    this.claims.arm(group);
    this.dispatch(group);
  }

  forEachHeld(visit: (message: number, group: number) => void): void {
    for (let group = 0; group < this.context.groupCount; group++) {
      const log = this.logOf(group);
      for (let seq = this.unread(group); seq < log.next; seq++) visit(log.at(seq), group);
      this.pel.scan(group, (message) => {
        if (log.has(message)) visit(message, group);
        return true;
      });
    }
    this.clients.forEachLive(visit);
  }

  /**
   * The pending entries lists let go of what was XACKed, and each stream of the positions nothing reads
   * again (StreamLog.letGo: before every group's cursor and pending entry, or before its oldest node, and
   * before what a crash would restore: `holdForUndo`). Returns the lowest id pending in any group, read or not,
   * trimmed or not: a claim, a re-read from ID 0 or an XACK may still reach it; or lower, the lowest a crash
   * may bring back (read, trimmed or with a journaled PEL entry since the data was last durable). Entries
   * still in a stream that every group has read and acked are not reported: nothing reads them again (a trim
   * or an eviction that removes one skips a retired message).
   */
  releaseRead(): number {
    const oldestPending = this.pel.releaseRead();
    this.logs.forEach((log, stream) => {
      let readFrom = log.next;
      for (const group of this.streams.readers[stream]!) {
        readFrom = Math.min(readFrom, this.unread(group));
        this.pel.scan(group, (message) => {
          readFrom = Math.min(readFrom, log.seq(message));
          return true;
        });
      }
      log.letGo(readFrom);
    });
    return Math.min(oldestPending, this.persistence.oldestUndoable);
  }

  /**
   * XADD to the message's stream (an onward message's target's, else the main one; one change, its MAXLEN
   * trim counts none), then the blocked readers of that stream's groups are served.
   */
  protected write(message: number): void {
    this.persistence.changed();
    const stream = this.streams.of(message);
    const log = this.logs[stream]!;
    log.append(message);
    log.trim((trimmed) => this.entryRemoved(trimmed, "trimmed", stream));
    for (const group of this.streams.readers[stream]!) this.dispatch(group, true);
  }

  /** A stream key is evicted: its entries, groups and PELs all go. The app recreates each group at `$`. */
  protected evict(key: number): void {
    const log = this.logs[key]!;
    log.deleteAll((message) => this.entryRemoved(message, "evicted", key));
    for (const group of this.streams.readers[key]!) {
      const pending: number[] = [];
      this.pel.scan(group, (message) => {
        pending.push(message);
        return true;
      });
      for (const message of pending) {
        this.pel.remove(group, message);
        this.discard(message, group, "evicted", this.heldLive(group, message));
      }
      this.moveCursor(group, log.next);
      this.reportDepth(group);
    }
  }

  protected undo(kind: number, group: number, message: number, a: number, b: number, c: number): void {
    // A stream's own records carry its key where other records carry a group.
    if (this.logs[group]?.undo(kind, a) || this.pel.undo(kind, group, message, a, b, c)) return;
    if (kind !== CURSOR) throw new Error(`invariant: unknown journal record ${kind}`);
    this.cursor[group] = a;
  }

  /** Each stream starts again empty where it ended (StreamLog.wipe), and its groups read from there. */
  protected wipe(): void {
    for (const log of this.logs) log.wipe();
    this.pel.wipe();
    for (let group = 0; group < this.context.groupCount; group++) this.cursor[group] = this.logOf(group).first;
  }

  protected rebuild(): void {
    this.memory.reset();
    for (const log of this.logs) log.recount();
    this.pel.rebuild((message, group) => this.logOf(group).seq(message));
    for (let group = 0; group < this.context.groupCount; group++) {
      this.claims.arm(group);
      this.reportDepth(group);
    }
  }

  protected resume(): void {
    for (let consumer = 0; consumer < this.historyDue.length; consumer++) this.readHistory(consumer);
    for (let group = 0; group < this.context.groupCount; group++) this.dispatch(group);
  }

  /** An entry left the stream: a group that had not read it, or whose reader is gone, has lost it. */
  private entryRemoved(message: number, reason: string, stream: number): void {
    const seq = this.logs[stream]!.seq(message);
    for (const group of this.streams.readers[stream]!) {
      if (seq >= this.cursor[group]!) this.discard(message, group, reason, false);
      else if (this.pel.isPending(group, message)) this.discard(message, group, reason, this.heldLive(group, message));
    }
  }

  /**
   * The consumer's next XREADGROUP, as its own event: a batch handed over
   * inside the ack call would reach the consumer while it is still finishing
   * the previous delivery (at zero latency), and it would start more than its
   * concurrency.
   */
  private readNext(group: number): void {
    if (this.unread(group) < this.logOf(group).next) this.context.sim.schedule(0, this.readAgain, group);
  }

  /**
   * XREADGROUP `>` for every waiting consumer, longest-waiting first, up to
   * COUNT entries each. `blocked`: an XADD wakes consumers blocked on the
   * stream, and Redis 7.0 serves them from blocked.c, counting no change;
   * otherwise each is a new XREADGROUP that finds entries and is served at
   * once, one change per call whatever the entry count (t_stream.c).
   */
  private dispatch(group: number, blocked = false): void {
    if (!this.up) return;
    const log = this.logOf(group);
    while (this.unread(group) < log.next) {
      const consumer = this.clients.next(group);
      if (consumer < 0) break;
      this.readServed(blocked);
      this.read(group, consumer);
    }
    this.reportDepth(group);
  }

  /** The first read or claim served to a consumer creates it in the group: one change. */
  private name(consumer: number): void {
    if (this.named[consumer] === 1) return;
    this.named[consumer] = 1;
    this.persistence.changed();
  }

  private read(group: number, consumer: number): void {
    this.name(consumer);
    const log = this.logOf(group);
    const start = this.unread(group);
    const count = Math.min(this.settings.COUNT ?? Number.POSITIVE_INFINITY, log.next - start);
    this.moveCursor(group, start + count);
    this.memory.touch(this.streams.ofGroup[group]!);
    // A silent consumer's blocked XREADGROUP is served all the same: the entries go to its PEL, unread.
    const ghost = this.clients.isGhost(consumer);
    for (let seq = start; seq < start + count; seq++) {
      const message = log.at(seq);
      // A crash that rolls the cursor back makes the entry unread again.
      this.persistence.touched(message);
      if (!this.settings.NOACK) this.pel.assign(group, message, consumer, 1);
      // The reply is lost if the consumer died while taking an earlier entry of this batch.
      if (!ghost && this.clients.alive[consumer] === 1) this.hand(group, message, consumer);
    }
    if (ghost) this.clients.took(consumer);
    if (!this.settings.NOACK) this.claims.arm(group);
  }

  /** XREADGROUP from ID 0: the consumer's own pending entries, each delivered again. */
  private readHistory(consumer: number): void {
    if (this.historyDue[consumer] === 0 || this.clients.alive[consumer] === 0) return;
    this.historyDue[consumer] = 0;
    // A read from ID 0 is served at once: one change, even if it returns nothing.
    this.persistence.changed();
    const group = this.clients.groupOf(consumer);
    const own: number[] = [];
    this.pel.scan(group, (message) => {
      if (this.pel.owner.get(group, message) === consumer && this.logOf(group).has(message)) own.push(message);
      return true;
    });
    for (const message of own) {
      if (this.clients.alive[consumer] === 0) break;
      this.redeliver(group, message, consumer);
    }
  }

  /**
   * XAUTOCLAIM took this entry for `claimer`: one change per entry claimed or
   * deleted from the PEL (t_stream.c), and one for creating the claimer in the
   * group if this is its first claim or read. An entry that has reached
   * `maxDeliveries` is claimed, then the application XADDs it to the
   * dead-letter stream and XACKs it: two changes more.
   */
  private claim(group: number, message: number, claimer: number): void {
    this.name(claimer);
    this.persistence.changed();
    const limit = this.settings.maxDeliveries;
    if (limit !== null && this.logOf(group).has(message) && this.pel.counter.get(group, message) >= limit) {
      this.persistence.changed(2);
    }
    this.redeliver(group, message, claimer);
  }

  /**
   * Delivers a pending entry again (a claim or a re-read): the counter goes
   * up and the idle time restarts. An entry trimmed meanwhile is deleted from
   * the PEL (Redis 7). With `maxDeliveries`, the application moves an entry
   * delivered that often to a dead-letter stream and XACKs it instead.
   */
  private redeliver(group: number, message: number, consumer: number): void {
    const live = this.heldLive(group, message);
    this.memory.touch(this.streams.ofGroup[group]!);
    if (!this.logOf(group).has(message)) {
      this.pel.remove(group, message);
      this.discard(message, group, "trimmed", live);
      return;
    }
    const counter = this.pel.counter.get(group, message);
    const limit = this.settings.maxDeliveries;
    this.closeDeadHolder(group, message);
    if (limit !== null && counter >= limit) {
      this.pel.remove(group, message);
      const { messages } = this.context;
      const row = messages.slot(message);
      if (!live && messages.consumedBy[group]![row] === 0 && messages.fate[group]![row] === Fate.none) {
        this.context.deadLetter(message, group, "max-deliveries");
      }
      return;
    }
    this.pel.assign(group, message, consumer, counter + 1);
    this.highestDeliveryCount = Math.max(this.highestDeliveryCount, counter + 1);
    this.hand(group, message, consumer);
  }

  /** The keyspace figures, and the highest delivery counter an entry reached. */
  override figures(): Record<string, number> {
    return { ...super.figures(), highest_delivery_count: Math.max(1, this.highestDeliveryCount) };
  }

  private hand(group: number, message: number, consumer: number): void {
    this.clients.took(consumer);
    this.handle.set(group, message, this.context.deliver(message, consumer));
  }

  /** A holder that died will never XACK; forget its delivery. A live (slow) holder keeps its own. */
  private closeDeadHolder(group: number, message: number): void {
    const previous = this.handle.get(group, message);
    if (previous >= 0 && this.context.deliveries.isOpen(previous) && !this.clients.isLive(previous)) {
      this.context.deliveries.close(previous);
    }
  }

  private heldLive(group: number, message: number): boolean {
    const handle = this.handle.get(group, message);
    return handle >= 0 && this.clients.isLive(handle);
  }

  private moveCursor(group: number, to: number): void {
    const from = this.cursor[group]!;
    // A crash that restores the cursor makes the group read from there again.
    if (this.persistence.write(this.cursorEpochs, group, CURSOR, group, -1, from)) this.logOf(group).holdForUndo(from);
    this.cursor[group] = to;
  }

  /** The first sequence number the group has not read that is still in its stream. */
  private unread(group: number): number {
    return Math.max(this.cursor[group]!, this.logOf(group).first);
  }

  private reportDepth(group: number): void {
    this.context.observer.depthChanged(group, this.logOf(group).next - this.unread(group), this.context.sim.now);
  }

  private logOf(group: number): StreamLog {
    return this.logs[this.streams.ofGroup[group]!]!;
  }
}
