/**
 * One follower's log end offset over time, as (time, LEO) pairs oldest first: what a host crash keeps is what
 * the follower held `pageCacheFlush` ago (replication.ts). A ring of two typed arrays, so noting a new LEO on
 * every fetch response allocates nothing.
 */
export class LeoHistory {
  private times = new Float64Array(4);
  private leos = new Int32Array(4);
  private head = 0;
  private count = 0;

  /** Notes `leo` at `now` (replacing a note made at the same instant), then forgets notes older than needed. */
  note(now: number, leo: number, horizon: number): void {
    const last = this.count - 1;
    if (last >= 0 && this.timeAt(last) === now) this.leos[this.index(last)] = leo;
    else this.push(now, leo);
    // Keeps the newest note at or before the horizon: what was held then.
    let drop = 0;
    while (drop + 1 < this.count && this.timeAt(drop + 1) <= horizon) drop++;
    this.head = this.index(drop);
    this.count -= drop;
  }

  /** The LEO held at `time`: the last note at or before it (0 before the first). */
  heldAt(time: number): number {
    let held = 0;
    for (let k = 0; k < this.count && this.timeAt(k) <= time; k++) held = this.leos[this.index(k)]!;
    return held;
  }

  private push(time: number, leo: number): void {
    if (this.count === this.times.length) this.grow();
    const at = this.index(this.count);
    this.times[at] = time;
    this.leos[at] = leo;
    this.count++;
  }

  private timeAt(k: number): number {
    return this.times[this.index(k)]!;
  }

  private index(k: number): number {
    return (this.head + k) & (this.times.length - 1);
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    const leos = new Int32Array(this.leos.length * 2);
    for (let k = 0; k < this.count; k++) {
      times[k] = this.timeAt(k);
      leos[k] = this.leos[this.index(k)]!;
    }
    this.times = times;
    this.leos = leos;
    this.head = 0;
  }
}
