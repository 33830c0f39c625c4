import type { BrokerFailure } from "../broker.js";
import { Journal } from "./journal.js";
import { SaveCron } from "./save-cron.js";
import type { PersistenceSettings } from "./settings.js";

/** appendfsync no leaves flushing to the OS: Linux writes back dirty pages after about 30 s. */
const OS_FLUSH_PERIOD = 30_000_000;
const EVERYSEC = 1_000_000;

/** What a crash does to the dataset: nothing survives, everything does, or the journal must be undone. */
export type CrashOutcome = "wipe" | "keep" | "undo";

/**
 * When Redis's writes become durable, worked out lazily from the writes
 * themselves so that no timer keeps an idle run going:
 * - RDB (appendonly no): a BGSAVE at the serverCron tick where a save point
 *   holds (see SaveCron); the snapshot is the dataset at fork time. A crash of
 *   either kind loses every write since the last fork.
 * - AOF: Redis write(2)s the AOF before it replies, so every acknowledged write
 *   is at least in the page cache. A process crash (kill -9, OOM kill) loses
 *   nothing; a host crash loses what was not fsynced: with everysec the writes
 *   since the last whole second, with `no` since the OS last flushed (~30 s),
 *   with always nothing acknowledged.
 * - neither: a crash loses everything.
 *
 * Undoing a field needs only its value before its first change since the
 * data was last durable, so each field carries the epoch of its last undo
 * record, and later changes in the same epoch record nothing.
 */
export class Persistence {
  readonly journal = new Journal();
  /** Whether writes need undo records: not when every crash keeps everything or keeps nothing, or none comes. */
  readonly records: boolean;
  private readonly mode: "none" | "rdb" | "always" | "periodic";
  private readonly fsyncPeriod: number;
  private readonly cron: SaveCron;
  /** Bumped each time everything written so far becomes durable (or is rolled back). */
  private epoch = 1;
  private restartedAt = 0;
  private nextFsync: number;
  /** The lowest message id a write touched since the data was last durable (see `touched`), or +Infinity. */
  private undoableFrom = Number.POSITIVE_INFINITY;

  constructor(
    settings: PersistenceSettings,
    private readonly clock: { readonly now: number },
    /** Whether a crash may come in this run: undo records are kept only then. */
    mayCrash = true,
  ) {
    // With AOF on, a restart loads the AOF: a BGSAVE resets the change count but makes nothing durable.
    this.cron = new SaveCron(settings.save, () => {
      if (this.mode === "rdb") this.durable();
    });
    if (settings.appendonly) {
      this.mode = settings.appendfsync === "always" ? "always" : "periodic";
    } else {
      this.mode = settings.save.length > 0 ? "rdb" : "none";
    }
    this.fsyncPeriod = settings.appendfsync === "no" ? OS_FLUSH_PERIOD : EVERYSEC;
    this.nextFsync = this.fsyncPeriod;
    this.records = mayCrash && (this.mode === "rdb" || this.mode === "periodic");
  }

  /** server.dirty, as INFO persistence reports it (rdb_changes_since_last_save). */
  get changesSinceLastSave(): number {
    this.advance(this.clock.now);
    return this.cron.dirty;
  }

  /** BGSAVEs started since the last (re)start (INFO persistence: rdb_saves). */
  get savesSinceStart(): number {
    this.advance(this.clock.now);
    return this.cron.saves;
  }

  /**
   * A command changed the dataset `count` times (server.dirty += count), which
   * is what RDB save points count. Which commands count how much is the
   * caller's to say, from the Redis source: it is not one per field written.
   */
  changed(count = 1): void {
    if (count === 0) return;
    this.advance(this.clock.now);
    this.cron.dirty += count;
  }

  /**
   * The lowest message id a crash may still bring back (a popped, read, trimmed or evicted item, a journaled
   * field: what was written since the data was last durable), or +Infinity: the profile holds it for the
   * retirement (docs/design.md, "Memory"). Read without bringing the clock up to date, so it may still count
   * writes a durable point has passed: it holds more, never less.
   */
  get oldestUndoable(): number {
    return this.undoableFrom;
  }

  /**
   * One write to the field whose epoch is `epochs[index]`. The first write to
   * it since the data was last durable records the before-image (kind, group,
   * message, a, b, c) for a crash to restore, and returns true.
   */
  write(
    epochs: Uint32Array,
    index: number,
    kind: number,
    group: number,
    message: number,
    a: number,
    b = 0,
    c = 0,
  ): boolean {
    if (!this.records) return false;
    this.advance(this.clock.now);
    if (epochs[index] === this.epoch) return false;
    epochs[index] = this.epoch;
    this.journal.push(kind, group, message, a, b, c);
    if (message >= 0 && message < this.undoableFrom) this.undoableFrom = message;
    return true;
  }

  /**
   * A write moved `message` out of where a crash would restore it (a list's pop or eviction, a stream's read
   * or trim), leaving no record of its own: a crash that rolls the position back brings the message back.
   */
  touched(message: number): void {
    if (!this.records) return;
    this.advance(this.clock.now);
    if (message < this.undoableFrom) this.undoableFrom = message;
  }

  /**
   * Whether what was noted with the epoch `epochs[index]` (a field's before-image, or a `stamp`) may still be
   * restored by a crash. Asked without bringing the clock up to date: it may say yes past a durable point,
   * never no before one.
   */
  mayUndo(epochs: Uint32Array, index: number): boolean {
    return this.records && epochs[index] === this.epoch;
  }

  /** Notes the current epoch in `epochs[index]`: what is kept with it lasts while `mayUndo` says so. */
  stamp(epochs: Uint32Array, index: number): void {
    this.advance(this.clock.now);
    epochs[index] = this.epoch;
  }

  /** The broker crashes now: brings the journal to the last durable point and says what to do with it. */
  crash(failure: BrokerFailure): CrashOutcome {
    if (this.mode === "none") return "wipe";
    if (this.mode === "always") return "keep";
    // The AOF's unsynced tail is in the page cache, which outlives the process.
    if (this.mode === "periodic" && failure === "process") return "keep";
    this.advance(this.clock.now);
    this.epoch++;
    return "undo";
  }

  /** The broker is back with its durable data; the cron and fsync clocks start again. */
  restarted(): void {
    const now = this.clock.now;
    this.durable();
    this.restartedAt = now;
    this.cron.restart(now);
    this.nextFsync = now + this.fsyncPeriod;
  }

  private advance(now: number): void {
    this.cron.advance(now);
    if (this.mode === "periodic" && now >= this.nextFsync) {
      // Every record predates the last fsync, which came at or after the one expected next.
      const sinceRestart = now - this.restartedAt;
      const lastFsync = this.restartedAt + Math.floor(sinceRestart / this.fsyncPeriod) * this.fsyncPeriod;
      this.durable();
      this.nextFsync = lastFsync + this.fsyncPeriod;
    }
  }

  /** Everything written so far is durable: no undo records are needed for it. */
  private durable(): void {
    this.journal.clear();
    this.epoch++;
    this.undoableFrom = Number.POSITIVE_INFINITY;
  }
}
