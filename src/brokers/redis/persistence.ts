import { Journal } from "./journal.js";
import type { PersistenceSettings, SavePoint } from "./settings.js";

/** serverCron runs 10 times a second (hz 10); save points are checked there. */
const CRON_PERIOD = 100_000;
/** appendfsync no leaves flushing to the OS: Linux writes back dirty pages after about 30 s. */
const OS_FLUSH_PERIOD = 30_000_000;
const EVERYSEC = 1_000_000;

/** What a crash does to the dataset: nothing survives, everything does, or the journal must be undone. */
export type CrashOutcome = "wipe" | "keep" | "undo";

/**
 * When Redis's writes become durable, worked out lazily from the writes
 * themselves so that no timer keeps an idle run going:
 * - RDB (appendonly no): a snapshot at the first serverCron tick where some
 *   save point "<seconds> <changes>" holds; a crash loses every write since.
 * - AOF everysec / no: an fsync every second / every ~30 s; a crash loses the
 *   writes since the last one.
 * - AOF always: the fsync precedes every reply, so a crash loses nothing acknowledged.
 * - neither: a crash loses everything.
 * The crash is taken to be the host's (power loss, kernel panic): after a
 * mere process kill, written-but-unsynced AOF data would survive in the page cache.
 *
 * Undoing a field needs only its value before its first change since the
 * data was last durable, so each field carries the epoch of its last undo
 * record, and later changes in the same epoch record nothing.
 */
export class Persistence {
  readonly journal = new Journal();
  /** Whether writes need undo records: not when a crash keeps everything or keeps nothing. */
  readonly records: boolean;
  private readonly mode: "none" | "rdb" | "always" | "periodic";
  private readonly fsyncPeriod: number;
  private readonly savePoints: readonly SavePoint[];
  /** Bumped each time everything written so far becomes durable (or is rolled back). */
  private epoch = 1;
  private restartedAt = 0;
  private lastSave = 0;
  private dirty = 0;
  /** Per save point: when the writes since the last save reached its count (NaN: not yet). */
  private readonly reachedAt: Float64Array;
  private nextFsync: number;

  constructor(
    settings: PersistenceSettings,
    private readonly clock: { readonly now: number },
  ) {
    this.savePoints = settings.save;
    this.reachedAt = new Float64Array(settings.save.length).fill(Number.NaN);
    if (settings.appendonly) {
      this.mode = settings.appendfsync === "always" ? "always" : "periodic";
    } else {
      this.mode = settings.save.length > 0 ? "rdb" : "none";
    }
    this.fsyncPeriod = settings.appendfsync === "no" ? OS_FLUSH_PERIOD : EVERYSEC;
    this.nextFsync = this.fsyncPeriod;
    this.records = this.mode === "rdb" || this.mode === "periodic";
  }

  /**
   * One write to the field whose epoch is `epochs[index]` (a change, in RDB's
   * count). The first write to it since the data was last durable records the
   * before-image (kind, group, message, a, b, c) for a crash to restore.
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
  ): void {
    if (!this.records) return;
    const now = this.clock.now;
    this.advance(now);
    if (this.mode === "rdb") this.countChange(now);
    if (epochs[index] === this.epoch) return;
    epochs[index] = this.epoch;
    this.journal.push(kind, group, message, a, b, c);
  }

  /** The broker crashes now: brings the journal to the last durable point and says what to do with it. */
  crash(): CrashOutcome {
    if (this.mode === "none") return "wipe";
    if (this.mode === "always") return "keep";
    this.advance(this.clock.now);
    this.epoch++;
    return "undo";
  }

  /** The broker is back with its durable data; snapshot and fsync clocks start again. */
  restarted(): void {
    const now = this.clock.now;
    this.durable();
    this.restartedAt = now;
    this.lastSave = now;
    this.dirty = 0;
    this.reachedAt.fill(Number.NaN);
    this.nextFsync = now + this.fsyncPeriod;
  }

  private advance(now: number): void {
    if (this.mode === "rdb") this.snapshotIfDue(now);
    else if (this.mode === "periodic" && now >= this.nextFsync) {
      // Every record predates the last fsync, which came at or after the one expected next.
      const lastFsync = this.restartedAt + Math.floor((now - this.restartedAt) / this.fsyncPeriod) * this.fsyncPeriod;
      this.durable();
      this.nextFsync = lastFsync + this.fsyncPeriod;
    }
  }

  /** Takes the snapshot a save point would have triggered by `now`, if any: every write so far becomes durable. */
  private snapshotIfDue(now: number): void {
    if (this.dirty === 0) return;
    let due = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.savePoints.length; i++) {
      const reached = this.reachedAt[i]!;
      if (Number.isNaN(reached)) continue;
      due = Math.min(due, this.nextCronTick(Math.max(this.lastSave + this.savePoints[i]!.after, reached)));
    }
    if (due > now) return;
    this.durable();
    this.lastSave = due;
    this.dirty = 0;
    this.reachedAt.fill(Number.NaN);
  }

  /** Everything written so far is durable: no undo records are needed for it. */
  private durable(): void {
    this.journal.clear();
    this.epoch++;
  }

  private countChange(now: number): void {
    this.dirty++;
    for (let i = 0; i < this.savePoints.length; i++) {
      if (this.dirty === this.savePoints[i]!.changes) this.reachedAt[i] = now;
    }
  }

  private nextCronTick(time: number): number {
    return this.restartedAt + Math.ceil((time - this.restartedAt) / CRON_PERIOD) * CRON_PERIOD;
  }
}
