import type { Simulation } from "../../engine/simulation.js";

/**
 * Deadlines of records, added in nondecreasing time order and served by one
 * engine timer, so a producer with thousands of records in flight keeps one
 * event, not one per record. An entry that no longer applies (the record was
 * settled, or given a later deadline) is not removed: its owner skips it when
 * it comes due. `clear` when nothing is held, so an idle producer keeps no
 * event alive and a finished run can end.
 */
export class DeadlineQueue {
  // Entries [head, tail) of two typed arrays, so adding and clearing allocate nothing once they have grown.
  private messages = new Int32Array(64);
  private times = new Float64Array(64);
  private head = 0;
  private tail = 0;
  private timer = -1;
  private firing = false;
  private readonly onTimer = (): void => this.fire();

  constructor(
    private readonly sim: Simulation,
    /** Called for each entry whose time has come, in order. */
    private readonly due: (message: number, time: number) => void,
  ) {}

  add(message: number, time: number): void {
    if (this.tail === this.times.length) this.makeRoom();
    this.messages[this.tail] = message;
    this.times[this.tail] = time;
    this.tail++;
    if (this.timer === -1 && !this.firing) this.timer = this.sim.at(time, this.onTimer);
  }

  clear(): void {
    if (this.timer !== -1) this.sim.cancel(this.timer);
    this.timer = -1;
    this.head = 0;
    this.tail = 0;
  }

  private fire(): void {
    this.timer = -1;
    this.firing = true;
    const now = this.sim.now;
    // `due` may add entries (later than now) or clear the queue; both are seen by the loop.
    while (this.head < this.tail && this.times[this.head]! <= now) {
      const message = this.messages[this.head]!;
      const time = this.times[this.head]!;
      this.head++;
      this.due(message, time);
    }
    this.firing = false;
    if (this.head < this.tail) this.timer = this.sim.at(this.times[this.head]!, this.onTimer);
  }

  /** Moves the live entries to the front, and doubles the arrays if that frees less than half of them. */
  private makeRoom(): void {
    const live = this.tail - this.head;
    if (live * 2 > this.times.length) {
      const messages = new Int32Array(this.times.length * 2);
      const times = new Float64Array(this.times.length * 2);
      messages.set(this.messages.subarray(this.head, this.tail));
      times.set(this.times.subarray(this.head, this.tail));
      this.messages = messages;
      this.times = times;
    } else {
      this.messages.copyWithin(0, this.head, this.tail);
      this.times.copyWithin(0, this.head, this.tail);
    }
    this.head = 0;
    this.tail = live;
  }
}
