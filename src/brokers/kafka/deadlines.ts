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
  private messages: number[] = [];
  private times: number[] = [];
  private head = 0;
  private timer = -1;
  private firing = false;
  private readonly onTimer = (): void => this.fire();

  constructor(
    private readonly sim: Simulation,
    /** Called for each entry whose time has come, in order. */
    private readonly due: (message: number, time: number) => void,
  ) {}

  add(message: number, time: number): void {
    this.messages.push(message);
    this.times.push(time);
    if (this.timer === -1 && !this.firing) this.timer = this.sim.at(time, this.onTimer);
  }

  clear(): void {
    if (this.timer !== -1) this.sim.cancel(this.timer);
    this.timer = -1;
    this.messages = [];
    this.times = [];
    this.head = 0;
  }

  private fire(): void {
    this.timer = -1;
    this.firing = true;
    const now = this.sim.now;
    // `due` may add entries (later than now) or clear the queue; both are seen by the loop.
    while (this.head < this.times.length && this.times[this.head]! <= now) {
      const message = this.messages[this.head]!;
      const time = this.times[this.head]!;
      this.head++;
      this.due(message, time);
    }
    this.firing = false;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.messages = this.messages.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    if (this.head < this.times.length) this.timer = this.sim.at(this.times[this.head]!, this.onTimer);
  }
}
