import type { SavePoint } from "./settings.js";

/** serverCron runs 10 times a second (hz 10); the save points are checked there. */
const CRON_PERIOD = 100_000;
const SECOND = 1_000_000;

/**
 * RDB save points as Redis 7.0's serverCron applies them (server.c): at every
 * cron tick with no child process running, a BGSAVE starts if some save point
 * "<seconds> <changes>" has `dirty >= changes` and `unixtime - lastsave >
 * seconds`, in whole unix seconds and strictly greater, so `save "1 1"` saves
 * every 2 s, not every second. The fork captures the dataset at that tick;
 * the child writes and renames the RDB file within milliseconds for a queue's
 * dataset (and finishes even if the parent is killed), so the snapshot counts
 * as durable from the fork. The parent learns that the child is done at the
 * next tick (checkChildrenDone, which skips the save-point check that tick):
 * only then do `lastsave` become that tick's unix second and `dirty` drop by
 * the changes the snapshot holds (rdb.c, backgroundSaveDoneHandlerDisk).
 * Simulated time 0 is taken to fall on a whole unix second, and a tick and a
 * command at the same instant run tick first. A failed BGSAVE (and with it
 * CONFIG_BGSAVE_RETRY_DELAY) is not modelled: saves always succeed.
 *
 * Lazy: `advance(now)` replays the ticks up to `now` from the change count,
 * which only commands move, so no timer runs.
 */
export class SaveCron {
  /** server.dirty: changes since the last snapshot (INFO: rdb_changes_since_last_save). */
  dirty = 0;
  /** BGSAVEs started since Redis started (INFO: rdb_saves). */
  saves = 0;
  private startedAt = 0;
  /** server.lastsave, in unix seconds. */
  private lastSave = 0;
  /** The first tick at which the save points may be checked again. */
  private checkFrom = 0;
  /** The tick at which the parent notices the running child is done; NaN: no child. */
  private childDoneAt = Number.NaN;
  private dirtyAtFork = 0;
  /**
   * nextSave() is asked at every write, and its answer only changes when
   * `dirty` reaches another save point's change count or a save or restart
   * moves lastsave, checkFrom or startedAt: it is kept for dirty in
   * [dueFrom, dueBelow) and forgotten on those moves.
   */
  private knownDue = Number.POSITIVE_INFINITY;
  private dueFrom = 0;
  private dueBelow = Number.NEGATIVE_INFINITY;
  /** The instant ticks have been replayed to: each of those ran with the changes made before it. */
  private replayedTo = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly points: readonly SavePoint[],
    /** A BGSAVE forked at tick `at`: what was written so far is the snapshot. */
    private readonly forked: (at: number) => void,
  ) {}

  /** Redis (re)started at `now`: it considers its data saved (lastsave = now) and has no child. */
  restart(now: number): void {
    this.startedAt = now;
    this.lastSave = unixSeconds(now);
    this.checkFrom = now;
    this.childDoneAt = Number.NaN;
    this.dirty = 0;
    this.saves = 0;
    this.dueBelow = Number.NEGATIVE_INFINITY;
  }

  /** Runs every tick up to and including `now`. */
  advance(now: number): void {
    for (;;) {
      if (!Number.isNaN(this.childDoneAt)) {
        if (this.childDoneAt > now) break;
        this.dirty -= this.dirtyAtFork;
        this.lastSave = unixSeconds(this.childDoneAt);
        this.checkFrom = this.childDoneAt + CRON_PERIOD;
        this.childDoneAt = Number.NaN;
        this.dueBelow = Number.NEGATIVE_INFINITY;
        continue;
      }
      const due = this.firstTickAfterReplay(
        this.dirty >= this.dueFrom && this.dirty < this.dueBelow ? this.knownDue : this.nextSave(),
      );
      if (due > now) break;
      this.forked(due);
      this.saves++;
      this.dirtyAtFork = this.dirty;
      this.childDoneAt = due + CRON_PERIOD;
    }
    this.replayedTo = Math.max(this.replayedTo, now);
  }

  /**
   * `due`, or the first tick after those already replayed if it is one of them: a replayed tick ran before
   * the changes that make a save point hold now (a tick and a command at one instant run tick first), and
   * found it did not, so the first tick that sees them is the next one.
   */
  private firstTickAfterReplay(due: number): number {
    return due > this.replayedTo ? due : this.tickAtOrAfter(this.replayedTo + 1);
  }

  /** The first tick from `checkFrom` at which a save point holds, given the changes so far. */
  private nextSave(): number {
    let due = Number.POSITIVE_INFINITY;
    let below = Number.POSITIVE_INFINITY;
    for (const point of this.points) {
      if (this.dirty < point.changes) {
        below = Math.min(below, point.changes);
        continue;
      }
      // unixtime - lastsave > seconds first holds at the start of unix second lastsave + seconds + 1.
      const from = Math.max(this.checkFrom, (this.lastSave + point.after / SECOND + 1) * SECOND);
      due = Math.min(due, this.tickAtOrAfter(from));
    }
    this.knownDue = due;
    this.dueFrom = this.dirty;
    this.dueBelow = below;
    return due;
  }

  private tickAtOrAfter(time: number): number {
    const ticks = Math.max(1, Math.ceil((time - this.startedAt) / CRON_PERIOD));
    return this.startedAt + ticks * CRON_PERIOD;
  }
}

function unixSeconds(time: number): number {
  return Math.floor(time / SECOND);
}
